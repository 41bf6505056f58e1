// Paths only the user running weir may read: the data directory (customer
// data of every order sits in its database), the database files, the plugin
// cache (code weir loads), the control socket's directory.
//
// The rules, the same for each of them:
//   - missing: created private (a directory 0700, a file 0600) whatever the
//     process umask is;
//   - ours, and readable by group or others but not writable by them (what an
//     older weir left under umask 022): tightened by dropping the group and
//     other bits; the caller logs it;
//   - writable by group or others, or not ours: refused. Someone else could
//     already have put files there (a database, a plugin copy), and making a
//     shared directory private (say `data_dir: /tmp`) would break it for
//     everyone else. The error says which path, its mode or owner, and what
//     to do.
//
// Free functions without shared state; safe from any thread.
#pragma once

#include <string>

#include "common/status.hpp"

namespace weir {

// What was done to make a path private.
struct PrivacyChange {
  enum Action { kNone, kCreated, kTightened };
  Action action = kNone;
  unsigned old_mode = 0;  // kTightened: the permission bits before (e.g. 0755)
  unsigned new_mode = 0;  // kTightened: the permission bits after (e.g. 0700)

  // For the log: "<what> <path> was readable by group or others (mode 0755);
  // made it private (0700)". Empty unless kTightened.
  std::string note(const std::string& what, const std::string& path) const;
};

// Makes `path` a private directory (creating it and its parents if missing;
// parents get the usual mode). `what` names it in errors ("data directory").
Result<PrivacyChange> make_private_dir(const std::string& path, const std::string& what);

// Makes an existing file private (never creates it: a missing file is
// kNone). `what` names it in errors ("database file").
Result<PrivacyChange> make_private_file(const std::string& path, const std::string& what);

// Creates `path` as an empty file with mode 0600 unless it exists (then it is
// left alone). Nothing else has it open when it is created, so closing our
// descriptor cannot drop another's POSIX locks on it (SQLite's).
Status create_private_file(const std::string& path, const std::string& what);

// Checks, without changing anything, that `path` is a directory of ours that
// group and others can neither read nor write.
Status check_private_dir(const std::string& path, const std::string& what);

// "0755"
std::string mode_text(unsigned mode);

}  // namespace weir
