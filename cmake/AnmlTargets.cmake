# Helpers that give every anml target the same warnings, include root and
# sanitizer flags, so no folder repeats them.

set(ANML_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
    -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wnull-dereference)

# anml_configure_target(<target>): warnings (as errors unless ANML_WERROR is
# off), includes rooted at the repository, optional sanitizers. ANML_FUZZ
# (clang only) instruments every target for libFuzzer's coverage feedback
# and adds ASan and UBSan, so the fuzz targets and the libraries they link
# share one set of flags.
function(anml_configure_target target)
  target_compile_options(${target} PRIVATE ${ANML_WARNINGS})
  if(ANML_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR})
  if(ANML_SANITIZE)
    target_compile_options(${target} PUBLIC
      -fsanitize=address,undefined -fno-omit-frame-pointer
      -fno-sanitize-recover=undefined)
    target_link_options(${target} PUBLIC -fsanitize=address,undefined)
  endif()
  if(ANML_FUZZ)
    target_compile_options(${target} PUBLIC
      -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
      -fno-sanitize-recover=undefined)
    target_link_options(${target} PUBLIC -fsanitize=address,undefined)
  endif()
endfunction()

# anml_library(<name> SOURCES ... DEPENDS ...): one library per folder.
function(anml_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPENDS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  anml_configure_target(${name})
  target_link_libraries(${name} PUBLIC ${ARG_DEPENDS})
endfunction()

# anml_test(<name> SOURCES ... DEPENDS ... [LABELS ...]): a GoogleTest
# executable registered with CTest, test by test.
function(anml_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPENDS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  anml_configure_target(${name})
  target_link_libraries(${name} PRIVATE ${ARG_DEPENDS} GTest::gtest GTest::gtest_main)
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 300)
  endif()
  gtest_discover_tests(${name}
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT}
    DISCOVERY_TIMEOUT 60)
endfunction()

# anml_fuzzer(<name> SOURCES ... DEPENDS ...): a libFuzzer executable (the
# fuzzer runtime supplies main()); only with ANML_FUZZ.
function(anml_fuzzer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPENDS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  anml_configure_target(${name})
  target_link_libraries(${name} PRIVATE ${ARG_DEPENDS})
  target_link_options(${name} PRIVATE -fsanitize=fuzzer)
endfunction()
