//! Writing output files (compiled SQL, manifest.json) so that writing them again costs the file
//! system as little as it can.
//!
//! A compile writes one file per node, 15,000 of them in a large project, and most are unchanged
//! from the last compile. Truncating a file to zero and writing it again makes ext4 (with its
//! default `auto_da_alloc`) start writeback of every such file when it is closed, which costs more
//! than rendering the SQL did. So an existing file is read first and left alone when it already
//! holds the text (its modification time then still says when it last changed), and otherwise
//! overwritten in place and cut to the new length, never truncated to zero.

use std::fs::OpenOptions;
use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};
use std::path::Path;

/// Make `path` hold exactly `text`, writing only when it does not already.
pub fn write_if_changed(path: &Path, text: &[u8]) -> std::io::Result<()> {
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

/// A file written from its start in pieces as they are made (so that it is never whole in
/// memory), in place: an existing file is overwritten and cut to the new length at the end,
/// never truncated to zero first. For a file that always changes (manifest.json, whose head
/// says when it was written), where comparing first would only cost a read.
pub struct Overwrite {
    file: std::fs::File,
    len: u64,
}

impl Overwrite {
    pub fn open(path: &Path) -> std::io::Result<Overwrite> {
        let file = OpenOptions::new().write(true).create(true).truncate(false).open(path)?;
        Ok(Overwrite { file, len: 0 })
    }

    /// Append the pieces, in order.
    pub fn write(&mut self, pieces: &[&[u8]]) -> std::io::Result<()> {
        write_all_pieces(&mut self.file, pieces)?;
        self.len += pieces.iter().map(|p| p.len() as u64).sum::<u64>();
        Ok(())
    }

    /// Cut what an older, longer file left after the end; returns the length written.
    pub fn finish(self) -> std::io::Result<u64> {
        if self.file.metadata()?.len() != self.len {
            self.file.set_len(self.len)?;
        }
        Ok(self.len)
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
    fn overwrites_in_pieces_and_cuts_an_older_longer_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.json");
        for pieces in [&["{\"a\":", "[1,2,3]", "}"][..], &["{}"], &[], &["{\"b\":", "2}"]] {
            let mut out = super::Overwrite::open(&path).unwrap();
            for p in pieces {
                out.write(&[p.as_bytes(), b""]).unwrap();
            }
            assert_eq!(out.finish().unwrap(), pieces.concat().len() as u64);
            assert_eq!(std::fs::read_to_string(&path).unwrap(), pieces.concat());
        }
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
