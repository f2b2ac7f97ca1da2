// A tmpfs mounted for one test, to give the store a small or read-only
// disk; tests skip where mounting is not permitted. Test support for the
// state tests.
#ifndef ANML_TESTS_STATE_MOUNTED_TMPFS_H_
#define ANML_TESTS_STATE_MOUNTED_TMPFS_H_

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include <sys/mount.h>

#include "engine/status.h"

namespace anml::state {

class MountedTmpfs {
 public:
  MountedTmpfs(const std::string& path, const std::string& options) : path_(path) {
    std::filesystem::create_directories(path);
    if (mount("tmpfs", path.c_str(), "tmpfs", 0, options.c_str()) == 0) {
      mounted_ = true;
    } else {
      error_ = std::strerror(errno);
    }
  }
  ~MountedTmpfs() {
    // Unmounting can only fail if something still holds a file open, which
    // the tests below never leave behind; the temp dir cleanup follows.
    if (mounted_) umount2(path_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }
  Status Remount(unsigned long flags) const {
    if (mount(nullptr, path_.c_str(), nullptr, MS_REMOUNT | flags, nullptr) == 0) {
      return Status::Ok();
    }
    return Internal(std::strerror(errno));
  }

 private:
  std::string path_;
  bool mounted_ = false;
  std::string error_;
};

}  // namespace anml::state

#endif  // ANML_TESTS_STATE_MOUNTED_TMPFS_H_
