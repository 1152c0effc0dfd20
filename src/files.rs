//! Writing output files: artifacts are replaced as a whole (`AtomicFile`: never half-written,
//! whatever stops the run), and compiled SQL so that writing it again costs the file system as
//! little as it can.
//!
//! A compile writes one file per node, 15,000 of them in a large project, and most are unchanged
//! from the last compile. Truncating a file to zero and writing it again makes ext4 (with its
//! default `auto_da_alloc`) start writeback of every such file when it is closed, which costs more
//! than rendering the SQL did. So an existing file is read first and left alone when it already
//! holds the text (its modification time then still says when it last changed), and otherwise
//! overwritten in place and cut to the new length, never truncated to zero.

use std::fs::OpenOptions;
use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Make `path` hold exactly `text`, writing only when it does not already.
pub(crate) fn write_if_changed(path: &Path, text: &[u8]) -> std::io::Result<()> {
    write_pieces_if_changed(path, &[text])
}

/// Make `path` hold exactly the concatenation of `pieces`, writing only when it does not already.
fn write_pieces_if_changed(path: &Path, pieces: &[&[u8]]) -> std::io::Result<()> {
    let len: usize = pieces.iter().map(|p| p.len()).sum();
    let (mut file, existed) = match OpenOptions::new().read(true).write(true).open(path) {
        Ok(file) => (file, true),
        Err(e) if e.kind() == ErrorKind::NotFound => (std::fs::File::create(path)?, false),
        Err(e) => return Err(e),
    };
    if existed && file.metadata()?.len() == len as u64 {
        if holds(&mut file, pieces)? {
            return Ok(());
        }
        file.seek(SeekFrom::Start(0))?;
    }
    write_all_pieces(&mut file, pieces)?;
    if existed {
        file.set_len(len as u64)?;
    }
    Ok(())
}

/// A file replaced as a whole: written under a temporary name beside `path` (so that it is on
/// the same file system) and renamed over it when finished. A reader, or a run that is killed or
/// fills the disk meanwhile, finds the previous file or the new one, never a part; a write that
/// fails or is dropped unfinished removes its temporary file. The pieces are written as they are
/// made, so a large file (manifest.json) is never whole in memory.
pub(crate) struct AtomicFile {
    file: Option<std::fs::File>,
    tmp: PathBuf,
    path: PathBuf,
    len: u64,
}

impl AtomicFile {
    pub(crate) fn create(path: &Path) -> std::io::Result<AtomicFile> {
        let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
        let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
        let file = std::fs::File::create(&tmp)?;
        Ok(AtomicFile {
            file: Some(file),
            tmp,
            path: path.to_path_buf(),
            len: 0,
        })
    }

    /// Append the pieces, in order.
    pub(crate) fn write(&mut self, pieces: &[&[u8]]) -> std::io::Result<()> {
        let Some(file) = self.file.as_mut() else {
            return Err(ErrorKind::BrokenPipe.into());
        };
        write_all_pieces(file, pieces)?;
        self.len += pieces.iter().map(|p| p.len() as u64).sum::<u64>();
        Ok(())
    }

    /// Put the file in place; returns the length written.
    pub(crate) fn finish(mut self) -> std::io::Result<u64> {
        drop(self.file.take());
        std::fs::rename(&self.tmp, &self.path)?;
        Ok(self.len)
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        // Not finished, or the rename failed: the temporary file goes.
        if self.tmp.exists() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Replace `path` with `text` as a whole (see `AtomicFile`).
pub(crate) fn write_atomic(path: &Path, text: &[u8]) -> std::io::Result<()> {
    let mut out = AtomicFile::create(path)?;
    out.write(&[text])?;
    out.finish().map(|_| ())
}

impl std::io::Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        AtomicFile::write(self, &[buf]).map(|_| buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Write the pieces in order with as few system calls as the OS allows (no copy into a buffer).
fn write_all_pieces(file: &mut std::fs::File, pieces: &[&[u8]]) -> std::io::Result<()> {
    let mut slices: Vec<std::io::IoSlice> = pieces
        .iter()
        .filter(|p| !p.is_empty())
        .map(|p| std::io::IoSlice::new(p))
        .collect();
    let mut rest = &mut slices[..];
    while !rest.is_empty() {
        match file.write_vectored(rest) {
            Ok(0) => return Err(ErrorKind::WriteZero.into()),
            Ok(n) => std::io::IoSlice::advance_slices(&mut rest, n),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Whether the file (of the same length) holds the concatenation of `pieces`. Read a block at a
/// time, so that a large file that differs early (manifest.json's timestamp) costs one block.
fn holds(file: &mut std::fs::File, pieces: &[&[u8]]) -> std::io::Result<bool> {
    let mut reader = std::io::BufReader::with_capacity(1 << 16, file);
    let mut old = vec![];
    for piece in pieces {
        for chunk in piece.chunks(1 << 16) {
            old.resize(chunk.len(), 0);
            match reader.read_exact(&mut old) {
                Ok(()) if old == chunk => {}
                Ok(()) => return Ok(false),
                // Shorter than its length said a moment ago: changed meanwhile, so write it.
                Err(e) if e.kind() == ErrorKind::UnexpectedEof => return Ok(false),
                Err(e) => return Err(e),
            }
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::{write_if_changed, write_pieces_if_changed};

    #[test]
    fn writes_new_longer_shorter_and_equal_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.sql");
        for text in ["select 1", "select 1, 2, 3", "select 9", "select 9", ""] {
            write_if_changed(&path, text.as_bytes()).unwrap();
            assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
        }
    }

    #[test]
    fn writes_pieces_as_one_text() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.json");
        for pieces in [
            &["{", "\"a\":1", "}"][..],
            &["{\"a\":", "2}"],
            &["{\"a\":", "2}"],
            &["{}"],
        ] {
            let bytes: Vec<&[u8]> = pieces.iter().map(|p| p.as_bytes()).collect();
            write_pieces_if_changed(&path, &bytes).unwrap();
            assert_eq!(std::fs::read_to_string(&path).unwrap(), pieces.concat());
        }
    }

    #[test]
    fn replaces_a_file_whole_and_leaves_nothing_when_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.json");
        for pieces in [&["{\"a\":", "[1,2,3]", "}"][..], &["{}"], &[], &["{\"b\":", "2}"]] {
            let mut out = super::AtomicFile::create(&path).unwrap();
            for p in pieces {
                out.write(&[p.as_bytes(), b""]).unwrap();
            }
            assert_eq!(out.finish().unwrap(), pieces.concat().len() as u64);
            assert_eq!(std::fs::read_to_string(&path).unwrap(), pieces.concat());
        }
        // Unfinished (a failed write): the old file stays, and no temporary file is left.
        let mut out = super::AtomicFile::create(&path).unwrap();
        out.write(&[b"{\"half"]).unwrap();
        drop(out);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"b\":2}");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("m.json")]);
    }

    #[test]
    fn leaves_an_unchanged_file_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.sql");
        std::fs::write(&path, "select 1").unwrap();
        let before = std::fs::metadata(&path).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        write_if_changed(&path, b"select 1").unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), before);
        write_if_changed(&path, b"select 2").unwrap();
        assert_ne!(std::fs::metadata(&path).unwrap().modified().unwrap(), before);
    }
}
