//! Reading and writing the repository's files as untrusted input.
//!
//! A pull request controls file names in the specs (example keys, schema names, cited pages) and
//! the tree itself (a symbolic link, a FIFO, a huge file). Every file xtask reads or writes goes
//! through here, so that:
//!
//! - a path built from spec text is one or more plain components below a trusted directory
//!   (no `..`, no absolute path, no empty component);
//! - no component is followed through a symbolic link, so nothing outside the repository is read
//!   or written;
//! - only regular files are opened (never a FIFO, which would hang, or a device such as
//!   `/dev/zero`, which would never end), without blocking, and read up to a size limit;
//! - text is UTF-8, and an error says where it is not (line and column).

use std::io::Read;
use std::path::Path;

/// A spec document (`spec/<vendor>.yaml`, fixtures): far above the largest (under 100 KiB).
pub const MAX_SPEC_BYTES: u64 = 4 << 20;
/// A vendor page under `spec/sources/`: far above the largest stored copy (under 20 KiB).
pub const MAX_SOURCE_BYTES: u64 = 2 << 20;
/// A generated or published file (the largest, a generated client, is under 1 MiB).
pub const MAX_GENERATED_BYTES: u64 = 16 << 20;

/// Why a file was not read or written.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {problem}")]
pub struct FsError {
    /// The path, relative to the directory it was looked up in (as given, when it is not plain).
    pub path: String,
    /// What is wrong with it.
    #[source]
    pub problem: Problem,
}

/// What is wrong with a file's path or the file itself.
#[derive(Debug, thiserror::Error)]
pub enum Problem {
    /// The path is not one or more plain components, so it could reach outside its directory.
    #[error("must be a plain relative path (no `..`, `.`, root or empty component)")]
    NotPlain,
    /// There is no file at the path.
    #[error("does not exist")]
    Missing,
    /// A component of the path is a symbolic link.
    #[error("is a symbolic link (at `{link}`); xtask does not follow links")]
    Symlink {
        /// The first component that is a link, joined to the directory.
        link: String,
    },
    /// The path names something other than a regular file.
    #[error("is a {kind}, not a regular file; only regular files are read")]
    NotRegular {
        /// What it is instead: `directory`, `FIFO`, `socket`, `device`, ...
        kind: &'static str,
    },
    /// The file holds more bytes than the caller's limit.
    #[error("is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: u64,
    },
    /// The file is not UTF-8 text.
    #[error("line {line}, column {column}: not valid UTF-8")]
    NotUtf8 {
        /// The line of the first invalid byte, from 1.
        line: usize,
        /// The column of the first invalid byte, in characters, from 1.
        column: usize,
    },
    /// Any other failure to inspect, open, read, write or remove the file, or to create its
    /// directories: the operating system's error.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// The error `problem` with the file at `path`.
fn fail(path: &str, problem: impl Into<Problem>) -> FsError {
    FsError {
        path: path.to_string(),
        problem: problem.into(),
    }
}

/// Checks that `path` is one or more plain components (`a/b.json`).
pub fn plain_relative(path: &str) -> Result<(), FsError> {
    // On Unix, a root, `.` or `..` component, or an empty path, is an empty, `.` or `..` part.
    let plain = !path.contains(['\\', '\0'])
        && !path
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..");
    if plain {
        Ok(())
    } else {
        Err(fail(path, Problem::NotPlain))
    }
}

/// Refuses `path` (below `base`) when any existing component of it is a symbolic link. The
/// metadata of the file it names, or `None` when a component does not exist.
fn refuse_links(base: &Path, path: &str) -> Result<Option<std::fs::Metadata>, FsError> {
    let mut current = base.to_path_buf();
    let mut last = None;
    for part in path.split('/') {
        current.push(part);
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = current.display().to_string();
                return Err(fail(path, Problem::Symlink { link }));
            }
            Ok(meta) => last = Some(meta),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(fail(path, source)),
        }
    }
    Ok(last)
}

fn kind_of(file_type: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let device = file_type.is_block_device() || file_type.is_char_device();
    [
        (file_type.is_dir(), "directory"),
        (file_type.is_fifo(), "FIFO"),
        (file_type.is_socket(), "socket"),
        (device, "device"),
        (file_type.is_symlink(), "symbolic link"),
    ]
    .into_iter()
    .find_map(|(is, kind)| is.then_some(kind))
    .unwrap_or("special file")
}

/// The bytes of the regular file `base/path`, at most `limit` of them.
pub fn read_bytes(base: &Path, path: &str, limit: u64) -> Result<Vec<u8>, FsError> {
    use std::os::unix::fs::OpenOptionsExt;
    plain_relative(path)?;
    let Some(meta) = refuse_links(base, path)? else {
        return Err(fail(path, Problem::Missing));
    };
    let full = base.join(path);
    let io = |source| fail(path, source);
    let regular = |file_type: std::fs::FileType| match file_type.is_file() {
        true => Ok(()),
        false => Err(fail(
            path,
            Problem::NotRegular {
                kind: kind_of(file_type),
            },
        )),
    };
    regular(meta.file_type())?;
    // O_NOFOLLOW and O_NONBLOCK: should the file be swapped for a link or a FIFO after the check
    // above, the open fails or returns at once instead of following or hanging.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(&full)
        .map_err(io)?;
    regular(file.metadata().map_err(io)?.file_type())?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(fail(path, Problem::TooLarge { limit }));
    }
    Ok(bytes)
}

/// The text of the regular file `base/path` (see [`read_bytes`]), which must be UTF-8.
pub fn read_text(base: &Path, path: &str, limit: u64) -> Result<String, FsError> {
    utf8(path, read_bytes(base, path, limit)?)
}

/// `bytes` as UTF-8, or an error with the line and column (1-based, in characters) of the first
/// invalid byte.
pub fn utf8(path: &str, bytes: Vec<u8>) -> Result<String, FsError> {
    String::from_utf8(bytes).map_err(|err| {
        let valid = &err.as_bytes()[..err.utf8_error().valid_up_to()];
        let valid = std::str::from_utf8(valid).unwrap_or_default();
        let line = valid.matches('\n').count() + 1;
        let column = valid.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        fail(path, Problem::NotUtf8 { line, column })
    })
}

/// Writes `contents` to `base/path`, creating its directories, without following a link.
pub fn write(base: &Path, path: &str, contents: &[u8]) -> Result<(), FsError> {
    plain_relative(path)?;
    refuse_links(base, path)?;
    let full = base.join(path);
    let io = |source| fail(path, source);
    if let Some(parent) = full.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    // The directories may have been created just now: check again before writing.
    refuse_links(base, path)?;
    std::fs::write(&full, contents).map_err(io)
}

/// Removes the file (or link: the link itself, never its target) `base/path`.
pub fn remove(base: &Path, path: &str) -> Result<(), FsError> {
    plain_relative(path)?;
    if let Some((parent, _)) = path.rsplit_once('/') {
        refuse_links(base, parent)?;
    }
    std::fs::remove_file(base.join(path)).map_err(|source| fail(path, source))
}

/// One path component from spec text (an example key, a schema name, an operation id): every
/// character other than ASCII letters, digits, `-`, `_` and `.` becomes `_`, and a leading `.`
/// (which would make `.`, `..` or a hidden file) becomes `_`. The result is never empty and never
/// longer than 120 bytes.
pub fn component(text: &str) -> String {
    let mut out: String = text
        .chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() || matches!(ch, '-' | '_' | '.') {
                ch
            } else {
                '_'
            }
        })
        .take(120)
        .collect();
    if out.starts_with('.') {
        out.replace_range(..1, "_");
    }
    if out.is_empty() {
        out.push('_');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_component_from_spec_text_cannot_climb_or_hide() {
        assert_eq!(
            component("../../../../../tmp/escape/pwned"),
            "_._.._.._.._.._tmp_escape_pwned"
        );
        assert_eq!(component(".."), "_.");
        assert_eq!(component(""), "_");
        assert_eq!(component(".hidden"), "_hidden");
        assert_eq!(component("a b/c\\d"), "a_b_c_d");
        assert_eq!(
            component("create-profile-request"),
            "create-profile-request"
        );
        assert_eq!(component(&"x".repeat(500)).len(), 120);
    }

    #[test]
    fn only_plain_relative_paths_pass() {
        for good in ["a", "a/b.json", "spec/sources/x.txt"] {
            assert!(plain_relative(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../b",
            "a//b",
            "./a",
            "a/",
            "a\\b",
        ] {
            assert!(plain_relative(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn invalid_utf8_names_line_and_column() {
        let err = utf8("x.yaml", b"ok: 1\nbad: \xff\n".to_vec()).unwrap_err();
        assert_eq!(err.to_string(), "x.yaml: line 2, column 6: not valid UTF-8");
    }

    #[test]
    fn links_fifos_devices_and_large_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path();
        std::fs::write(base.join("page.txt"), "text").unwrap();
        assert_eq!(read_text(base, "page.txt", 10).unwrap(), "text");
        assert!(matches!(
            read_bytes(base, "page.txt", 3),
            Err(FsError {
                problem: Problem::TooLarge { limit: 3 },
                ..
            })
        ));
        std::os::unix::fs::symlink("/dev/zero", base.join("zero.txt")).unwrap();
        assert!(matches!(
            read_bytes(base, "zero.txt", 10),
            Err(FsError {
                problem: Problem::Symlink { .. },
                ..
            })
        ));
        std::os::unix::fs::symlink("/tmp", base.join("out")).unwrap();
        assert!(matches!(
            write(base, "out/escape.json", b"x"),
            Err(FsError {
                problem: Problem::Symlink { .. },
                ..
            })
        ));
        let fifo = base.join("fifo.txt");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        assert!(matches!(
            read_bytes(base, "fifo.txt", 10),
            Err(FsError {
                problem: Problem::NotRegular { kind: "FIFO" },
                ..
            })
        ));
        assert!(matches!(
            read_bytes(base, "missing.txt", 10),
            Err(FsError {
                problem: Problem::Missing,
                ..
            })
        ));
    }
}
