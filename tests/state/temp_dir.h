// A directory under the system temp directory, removed with its contents
// when the object goes out of scope. Test support for the state tests.
#ifndef ANML_TESTS_STATE_TEMP_DIR_H_
#define ANML_TESTS_STATE_TEMP_DIR_H_

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace anml::state {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "anml-state-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code error;
    // Best effort: a leftover temp directory must not fail a test.
    std::filesystem::remove_all(path_, error);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Empty when the directory could not be created.
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace anml::state

#endif  // ANML_TESTS_STATE_TEMP_DIR_H_
