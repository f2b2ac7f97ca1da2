"""Static checks of the container build and the compose deployment.

No Docker engine is needed: the Dockerfiles and deploy/compose.yaml are
parsed and checked against the repository and against the real anml binary.
What this proves:
- the image's build stage runs scripts/install-deps.sh, the script CI runs
  on a fresh machine (the README's test command), and the Release configure
  of scripts/test.sh;
- every COPY source and every bind-mount source exists and is not excluded
  from the build context;
- every ANML_* variable the files set is an option of `anml run`, and the
  published and exposed ports are the one ANML_HTTP_ADDRESS binds;
- the compose file parses and has the keys compose requires, and its
  services agree on topics and dimension;
- the runtime stage's package list covers every library `ldd anml` lists;
- Prometheus and Grafana configuration under dashboards/ fits the mounts.

Usage: python3 deploy_files_test.py --anml build/anml --source-dir .
"""

import argparse
import fnmatch
import os
import re
import shlex
import subprocess
import sys
import unittest

import yaml

ANML = "build/anml"
ROOT = "."


def read(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read()


# --- Dockerfile parsing -------------------------------------------------


def dockerfile_instructions(text):
    """(instruction, arguments) pairs, continuations joined, comments out."""
    lines, current = [], ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if current and stripped.startswith("#"):
            continue  # A comment inside a continued instruction.
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        lines.append(current + stripped)
        current = ""
    pairs = []
    for line in lines:
        keyword, _, rest = line.partition(" ")
        pairs.append((keyword.upper(), rest.strip()))
    return pairs


def dockerfile_stages(text):
    """Stage name (or index) -> its instructions, in order."""
    stages, name = {}, None
    for keyword, rest in dockerfile_instructions(text):
        if keyword == "FROM":
            words = rest.split()
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else str(len(stages))
            stages[name] = []
        if name is not None:
            stages[name].append((keyword, rest))
    return stages


def copy_sources(arguments):
    """Sources of a COPY, or [] for COPY --from (another stage)."""
    words = json_or_shell_words(arguments)
    if any(w.startswith("--from") for w in words):
        return []
    words = [w for w in words if not w.startswith("--")]
    return words[:-1]


def json_or_shell_words(arguments):
    if arguments.startswith("["):
        return yaml.safe_load(arguments)
    return shlex.split(arguments)


def env_assignments(arguments):
    """ENV K=V K2=V2 (or the legacy ENV K V) as a dict."""
    words = shlex.split(arguments)
    if words and "=" not in words[0]:
        return {words[0]: " ".join(words[1:])}
    return dict(w.split("=", 1) for w in words)


def stage_env(instructions):
    env = {}
    for keyword, rest in instructions:
        if keyword == "ENV":
            env.update(env_assignments(rest))
    return env


def port_of(address):
    return int(address.rsplit(":", 1)[1])


def dockerignore_patterns(context):
    path = os.path.join(ROOT, context, ".dockerignore")
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [l.strip() for l in f if l.strip() and not l.startswith("#")]


def ignored(source, patterns):
    source = os.path.normpath(source)
    for pattern in patterns:
        if pattern.startswith("!"):
            continue
        pattern = pattern.rstrip("/")
        if fnmatch.fnmatch(source, pattern) or source.startswith(pattern + "/"):
            return True
    return False


# --- The engine's options ----------------------------------------------


def accepted_variables():
    """ANML_<UPPER_SNAKE> of every option `anml run --help` lists."""
    help_text = subprocess.run([ANML, "run", "--help"], check=True, capture_output=True,
                               text=True).stdout
    names = re.findall(r"^\s+(?:-\w,)?--([a-z][a-z0-9-]*)", help_text, re.MULTILINE)
    return {"ANML_" + n.upper().replace("-", "_") for n in names if n != "help"}


# --- The compose file ---------------------------------------------------

COMPOSE = "deploy/compose.yaml"


def compose():
    return yaml.safe_load(read(COMPOSE))


def compose_path(path):
    """A path of the compose file, relative to the repository root."""
    return os.path.normpath(os.path.join(os.path.dirname(COMPOSE), path))


def service_environment(service):
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(e.split("=", 1) for e in env)
    return {k: str(v) for k, v in env.items()}


def bind_mounts(service):
    """(source relative to the repo root, target) of each bind mount."""
    mounts = []
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            if volume.get("type") == "bind":
                mounts.append((compose_path(volume["source"]), volume["target"]))
            continue
        source, target = volume.split(":")[:2]
        if source.startswith((".", "/")):
            mounts.append((compose_path(source), target))
    return mounts


def container_ports(service):
    ports = []
    for entry in service.get("ports", []):
        text = str(entry["target"]) if isinstance(entry, dict) else str(entry)
        ports.append(int(text.rsplit(":", 1)[-1].split("/")[0]))
    return ports


class BuildStageTest(unittest.TestCase):
    """The image is built the way CI builds and tests the code."""

    def setUp(self):
        self.stages = dockerfile_stages(read("Dockerfile"))
        self.build = self.stages.get("build", [])
        self.runs = " ".join(rest for keyword, rest in self.build if keyword == "RUN")

    def test_build_stage_is_debian_bookworm(self):
        self.assertIn("build", self.stages, "Dockerfile has no 'AS build' stage")
        self.assertRegex(self.build[0][1], r"^debian:bookworm\b")

    def test_build_stage_runs_the_install_script_ci_runs(self):
        self.assertIn("scripts/install-deps.sh", self.runs)
        readme = read("README.md")
        match = re.search(r"<!-- test-command -->\s*```\s*\n(.*)\n", readme)
        self.assertIsNotNone(match, "README.md has no test command for CI")
        self.assertIn("scripts/install-deps.sh", match.group(1),
                      "CI's command (README test-command) must run the same install script")

    def test_build_stage_configures_like_the_test_script(self):
        # The image is built like the unit stage CI runs: same build type,
        # same sanitizer setting, passed to the same configure flags.
        test_script = read("scripts/test.sh")
        self.assertIn('-DCMAKE_BUILD_TYPE="$type"', test_script)
        self.assertIn('-DANML_SANITIZE="$sanitize"', test_script)
        unit = re.search(r"run_stage unit build_and_test \S+ (\w+) (\w+)", test_script)
        self.assertIsNotNone(unit, "scripts/test.sh has no unit stage calling build_and_test")
        build_type, sanitize = unit.groups()
        self.assertIn(f"-DCMAKE_BUILD_TYPE={build_type}", self.runs)
        self.assertIn(f"-DANML_SANITIZE={sanitize}", self.runs)
        self.assertRegex(self.runs, r"cmake --build build\b")

    def test_build_stage_checks_the_runtime_package_list(self):
        self.assertIn("scripts/runtime-packages.sh --check deploy/runtime-packages.txt "
                      "build/anml", self.runs)

    def test_scripts_the_build_runs_exist_and_are_executable(self):
        for script in sorted(set(re.findall(r"scripts/[\w.-]+", self.runs))):
            with self.subTest(script=script):
                path = os.path.join(ROOT, script)
                self.assertTrue(os.path.isfile(path), f"{script} does not exist")
                self.assertTrue(os.access(path, os.X_OK), f"{script} is not executable")


class RuntimeStageTest(unittest.TestCase):
    """The runtime stage: non-root, a state volume, the HTTP port, a check."""

    def setUp(self):
        stages = dockerfile_stages(read("Dockerfile"))
        self.runtime = list(stages.values())[-1]
        self.env = stage_env(self.runtime)

    def last(self, keyword):
        values = [rest for k, rest in self.runtime if k == keyword]
        self.assertTrue(values, f"the runtime stage has no {keyword}")
        return values[-1]

    def test_runs_as_a_numeric_non_root_user(self):
        user = self.last("USER").split(":")[0]
        self.assertRegex(user, r"^\d+$", "a numeric USER lets runAsNonRoot verify it")
        self.assertNotEqual(int(user), 0)

    def test_state_directory_is_the_volume(self):
        self.assertEqual(self.env.get("ANML_STATE_DIR"), "/var/lib/anml")
        self.assertIn("/var/lib/anml", json_or_shell_words(self.last("VOLUME")))

    def test_exposes_the_port_anml_binds_on_all_interfaces(self):
        address = self.env.get("ANML_HTTP_ADDRESS", "")
        self.assertTrue(address.startswith("0.0.0.0:"),
                        f"ANML_HTTP_ADDRESS must bind all interfaces, got '{address}'")
        self.assertEqual(int(self.last("EXPOSE").split("/")[0]), port_of(address))

    def test_healthcheck_probes_healthz_with_curl(self):
        check = self.last("HEALTHCHECK")
        self.assertIn("curl", check)
        self.assertIn("/healthz", check)
        self.assertIn("curl", packages_listed())

    def test_starts_anml_run(self):
        self.assertEqual(json_or_shell_words(self.last("ENTRYPOINT")), ["anml"])
        self.assertEqual(json_or_shell_words(self.last("CMD")), ["run"])

    def test_installs_exactly_the_checked_in_package_list(self):
        sources = [s for k, rest in self.runtime if k == "COPY" for s in copy_sources(rest)]
        self.assertIn("deploy/runtime-packages.txt", sources)
        runs = " ".join(rest for k, rest in self.runtime if k == "RUN")
        self.assertRegex(runs, r"runtime-packages\.txt\s*\|\s*xargs apt-get install")

    def test_carries_only_the_binary_from_the_build(self):
        copies = [rest for k, rest in self.runtime if k == "COPY" and "--from" in rest]
        self.assertEqual(len(copies), 1, copies)
        self.assertIn("/src/build/anml", copies[0])


def dockerfiles():
    """(Dockerfile path, its build context), all relative to the repo root."""
    found = [("Dockerfile", ".")]
    for service in compose()["services"].values():
        build = service.get("build")
        if build is None:
            continue
        if isinstance(build, str):
            build = {"context": build}
        context = compose_path(build.get("context", "."))
        found.append((os.path.normpath(os.path.join(context, build.get("dockerfile",
                                                                        "Dockerfile"))),
                      context))
    return sorted(set(found))


class CopySourcesTest(unittest.TestCase):
    """Every COPY source exists in its build context and is not ignored."""

    def test_every_copy_source_exists_and_is_in_the_context(self):
        for dockerfile, context in dockerfiles():
            patterns = dockerignore_patterns(context)
            for keyword, rest in dockerfile_instructions(read(dockerfile)):
                if keyword not in ("COPY", "ADD"):
                    continue
                for source in copy_sources(rest):
                    with self.subTest(dockerfile=dockerfile, source=source):
                        path = os.path.join(ROOT, context, source)
                        self.assertTrue(os.path.exists(path), f"{dockerfile}: COPY {source} "
                                        f"does not exist in context {context}")
                        if source != ".":
                            self.assertFalse(ignored(source, patterns),
                                             f"{context}/.dockerignore excludes {source}")


class ComposeFileTest(unittest.TestCase):
    """deploy/compose.yaml: parses, is complete, and agrees with itself."""

    def setUp(self):
        self.compose = compose()
        self.services = self.compose.get("services", {})

    def test_every_service_has_an_image_or_a_build(self):
        self.assertTrue(self.services, "compose file has no services")
        for name, service in self.services.items():
            with self.subTest(service=name):
                self.assertIsInstance(service, dict)
                self.assertTrue("image" in service or "build" in service)

    def test_every_build_context_and_dockerfile_exists(self):
        for dockerfile, context in dockerfiles():
            with self.subTest(dockerfile=dockerfile):
                self.assertTrue(os.path.isdir(os.path.join(ROOT, context)), context)
                self.assertTrue(os.path.isfile(os.path.join(ROOT, dockerfile)), dockerfile)

    def test_every_bind_mount_source_exists(self):
        for name, service in self.services.items():
            for source, target in bind_mounts(service):
                with self.subTest(service=name, source=source):
                    self.assertTrue(os.path.exists(os.path.join(ROOT, source)),
                                    f"{COMPOSE}: service {name} mounts {source} -> {target}, "
                                    "which does not exist in the repository")

    def test_named_volumes_are_declared(self):
        declared = set((self.compose.get("volumes") or {}).keys())
        for name, service in self.services.items():
            for volume in service.get("volumes", []):
                source = volume.split(":")[0] if isinstance(volume, str) else None
                if source and not source.startswith((".", "/")):
                    with self.subTest(service=name, volume=source):
                        self.assertIn(source, declared)

    def test_depends_on_names_services(self):
        for name, service in self.services.items():
            for dependency in service.get("depends_on", []):
                with self.subTest(service=name, dependency=dependency):
                    self.assertIn(dependency, self.services)

    def test_kafka_runs_in_kraft_mode(self):
        kafka = self.services["kafka"]
        self.assertRegex(kafka["image"], r"^apache/kafka:")
        env = service_environment(kafka)
        self.assertEqual(env.get("KAFKA_PROCESS_ROLES"), "broker,controller")
        self.assertIn("KAFKA_CONTROLLER_QUORUM_VOTERS", env)
        self.assertIn("PLAINTEXT://kafka:9092", env.get("KAFKA_ADVERTISED_LISTENERS", ""))

    def test_anml_publishes_the_port_it_binds(self):
        anml = self.services["anml"]
        env = stage_env(list(dockerfile_stages(read("Dockerfile")).values())[-1])
        env.update(service_environment(anml))
        port = port_of(env["ANML_HTTP_ADDRESS"])
        self.assertTrue(env["ANML_HTTP_ADDRESS"].startswith("0.0.0.0:"))
        self.assertEqual(container_ports(anml), [port])
        self.assertIn(f":{port}/", " ".join(anml["healthcheck"]["test"]))

    def test_anml_brokers_name_the_kafka_service(self):
        env = service_environment(self.services["anml"])
        host, port = env["ANML_BROKERS"].split(":")
        self.assertIn(host, self.services)
        self.assertIn(f"PLAINTEXT://:{port}", service_environment(self.services["kafka"])
                      ["KAFKA_LISTENERS"])

    def test_topics_created_are_the_ones_anml_uses(self):
        init = service_environment(self.services["kafka-init"])
        anml = service_environment(self.services["anml"])
        for role in ("SAMPLES", "CONTRIBUTORS", "WEIGHTS", "DEADLETTER"):
            with self.subTest(topic=role):
                self.assertEqual(init[f"{role}_TOPIC"], anml[f"ANML_{role}_TOPIC"])
        script = read("deploy/create-topics.sh")
        for role in ("CONTRIBUTORS", "WEIGHTS"):
            with self.subTest(compacted=role):
                self.assertRegex(script, r'create "\$\{%s_TOPIC[^\n]*cleanup\.policy=compact'
                                 % role)

    def test_producer_matches_the_engine(self):
        producer = service_environment(self.services["producer"])
        anml = service_environment(self.services["anml"])
        self.assertEqual(producer["DIMENSION"], anml["ANML_DIMENSION"])
        self.assertEqual(producer["SAMPLES_TOPIC"], anml["ANML_SAMPLES_TOPIC"])
        self.assertEqual(producer["CONTRIBUTORS_TOPIC"], anml["ANML_CONTRIBUTORS_TOPIC"])

    def test_anml_state_is_a_volume_at_the_state_dir(self):
        anml = self.services["anml"]
        targets = [v.split(":")[1] for v in anml["volumes"] if isinstance(v, str)]
        self.assertIn(service_environment(anml)["ANML_STATE_DIR"], targets)


class EnvironmentVariablesTest(unittest.TestCase):
    """Every ANML_* the deployment names is an option `anml run` accepts."""

    def test_every_anml_variable_is_an_option(self):
        accepted = accepted_variables()
        self.assertIn("ANML_BROKERS", accepted)  # The parse found the options.
        for path in ("Dockerfile", COMPOSE, "deploy/README.md"):
            for variable in sorted(set(re.findall(r"\bANML_[A-Z0-9_]+\b", read(path)))):
                with self.subTest(file=path, variable=variable):
                    self.assertIn(variable, accepted,
                                  f"{path} names {variable}, which `anml run` does not accept")

    def test_compose_values_parse_as_anml_run_options(self):
        # --help is only answered after every earlier flag parsed and passed
        # its check, so invalid values fail here without starting anything.
        env = service_environment(compose()["services"]["anml"])
        flags = [f"--{k[5:].lower().replace('_', '-')}={v}" for k, v in env.items()]
        result = subprocess.run([ANML, "run", *flags, "--help"], capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stderr)


def packages_listed():
    with open(os.path.join(ROOT, "deploy/runtime-packages.txt"), encoding="utf-8") as f:
        return {l.strip() for l in f if l.strip() and not l.startswith("#")}


def owning_package(path):
    for candidate in (path, "/usr" + path, path.removeprefix("/usr"), os.path.realpath(path)):
        result = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
        if result.returncode == 0:
            return result.stdout.split(": ")[0].split(",")[0].split(":")[0]
    return None


class RuntimePackagesTest(unittest.TestCase):
    """deploy/runtime-packages.txt covers every library the binary loads."""

    def test_every_library_of_the_binary_is_installed_by_the_runtime_stage(self):
        listing = subprocess.run(["ldd", ANML], check=True, capture_output=True,
                                 text=True).stdout
        self.assertNotIn("not found", listing)
        libraries = re.findall(r"=> (/\S+)", listing) + re.findall(r"^\s+(/\S+)", listing,
                                                                   re.MULTILINE)
        self.assertTrue(libraries)
        listed = packages_listed()
        for library in libraries:
            with self.subTest(library=library):
                package = owning_package(library)
                self.assertIsNotNone(package, f"no Debian package owns {library}")
                self.assertIn(package, listed, f"{ANML} loads {library} from {package}, "
                              "which deploy/runtime-packages.txt does not list")

    def test_checked_in_list_is_the_scripts_output(self):
        result = subprocess.run([os.path.join(ROOT, "scripts/runtime-packages.sh"), "--check",
                                 os.path.join(ROOT, "deploy/runtime-packages.txt"), ANML],
                                capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stderr)


def host_path(container_path, mounts):
    """The repository path a container path is mounted from, or None."""
    for source, target in sorted(mounts, key=lambda m: -len(m[1])):
        if container_path == target or container_path.startswith(target + "/"):
            return os.path.normpath(source + container_path[len(target):])
    return None


class DashboardWiringTest(unittest.TestCase):
    """dashboards/ fits the compose file's mounts and service names."""

    def setUp(self):
        self.services = compose()["services"]

    def test_prometheus_scrapes_anml_and_loads_mounted_rules(self):
        config = yaml.safe_load(read("dashboards/prometheus/prometheus.yml"))
        targets = [t for job in config.get("scrape_configs", [])
                   for static in job.get("static_configs", []) for t in static["targets"]]
        self.assertIn("anml:9464", targets)
        mounted = {target for _, target in bind_mounts(self.services["prometheus"])}
        for rules in config.get("rule_files", []):
            with self.subTest(rule_file=rules):
                self.assertIn(os.path.join("/etc/prometheus", rules), mounted)

    def test_grafana_dashboard_providers_read_a_mounted_folder(self):
        folder = "dashboards/grafana/provisioning/dashboards"
        mounts = bind_mounts(self.services["grafana"])
        files = [f for f in sorted(os.listdir(os.path.join(ROOT, folder)))
                 if f.endswith((".yml", ".yaml"))]
        self.assertTrue(files, f"{folder} has no provider file")
        for name in files:
            for provider in yaml.safe_load(read(f"{folder}/{name}")).get("providers", []):
                path = provider.get("options", {}).get("path", "")
                with self.subTest(provider=name, path=path):
                    source = host_path(path, mounts)
                    self.assertIsNotNone(source, f"no grafana mount holds {path}")
                    self.assertTrue(os.path.isdir(os.path.join(ROOT, source)),
                                    f"{path} is mounted from {source}, not a folder")
                    dashboards = [f for f in os.listdir(os.path.join(ROOT, source))
                                  if f.endswith(".json")]
                    self.assertTrue(dashboards, f"{path} is mounted from {source}, "
                                    "which holds no *.json dashboard")

    def test_grafana_datasource_is_the_prometheus_service(self):
        folder = "dashboards/grafana/provisioning/datasources"
        urls = []
        for name in sorted(os.listdir(os.path.join(ROOT, folder))):
            if name.endswith((".yml", ".yaml")):
                sources = yaml.safe_load(read(f"{folder}/{name}")).get("datasources", [])
                urls += [s.get("url", "") for s in sources if s.get("type") == "prometheus"]
        self.assertIn("http://prometheus:9090", urls)

    def test_dashboards_exist(self):
        dashboards = [f for f in os.listdir(os.path.join(ROOT, "dashboards/grafana"))
                      if f.endswith(".json")]
        self.assertTrue(dashboards, "dashboards/grafana has no *.json dashboard")


def main():
    global ANML, ROOT
    parser = argparse.ArgumentParser()
    parser.add_argument("--anml", required=True)
    parser.add_argument("--source-dir", required=True)
    args, rest = parser.parse_known_args()
    ANML, ROOT = os.path.abspath(args.anml), os.path.abspath(args.source_dir)
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)


if __name__ == "__main__":
    main()
