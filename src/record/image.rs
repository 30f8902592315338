//! Where the executable is loaded, so that recorded stack addresses can be
//! made relative to it, and which build a file holds.
//!
//! A recording process keeps its stacks unresolved: each frame's address
//! minus the executable's load base (the start of its mapping at file
//! offset 0), read once from `/proc/self/maps`. Those offsets are the same
//! in every run of one build, so `lockorder check` resolves them later
//! against the file, once per build, and only for the orders it reports.
//! The build is named by the ELF GNU build-id note, read from the file's
//! program headers (a few small reads), or by the file's size and
//! modification time when it has none.
//!
//! Elsewhere than Linux, or when the maps cannot be read, there is no
//! image and the recorder resolves its stacks in-process as before.

use std::fs::File;
use std::path::Path;

use object::elf;
use object::read::elf::{FileHeader, ProgramHeader};
use object::read::ReadCache;
use object::Endianness;

/// The executable of this process as mapped in memory.
#[derive(Debug)]
pub(crate) struct Image {
    /// The address of the mapping at file offset 0.
    base: usize,
    /// The executable's mappings, `[start, end)`.
    ranges: Vec<(usize, usize)>,
}

impl Image {
    /// The mappings of the executable `exe`, read from `/proc/self/maps`.
    #[cfg(target_os = "linux")]
    pub(crate) fn current(exe: &Path) -> Option<Image> {
        let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
        Image::from_maps(&maps, exe.to_str()?)
    }

    /// No mappings to read: the recorder resolves in-process.
    #[cfg(not(target_os = "linux"))]
    pub(crate) fn current(_exe: &Path) -> Option<Image> {
        None
    }

    /// The mappings of `exe` in the text of a `/proc/<pid>/maps` file:
    /// `start-end perms offset dev inode path` per line.
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    fn from_maps(maps: &str, exe: &str) -> Option<Image> {
        let mut base = None;
        let mut ranges = Vec::new();
        for line in maps.lines() {
            let mut fields = line.splitn(6, ' ');
            let (Some(range), Some(_perms), Some(offset), Some(_dev), Some(_inode), Some(path)) =
                (fields.next(), fields.next(), fields.next(), fields.next(), fields.next(), fields.next())
            else {
                continue;
            };
            if path.trim_start() != exe {
                continue;
            }
            let Some((start, end)) = range.split_once('-') else { continue };
            let (Ok(start), Ok(end)) = (usize::from_str_radix(start, 16), usize::from_str_radix(end, 16)) else {
                continue;
            };
            if u64::from_str_radix(offset, 16) == Ok(0) {
                base = Some(base.map_or(start, |b: usize| b.min(start)));
            }
            ranges.push((start, end));
        }
        Some(Image { base: base?, ranges })
    }

    /// The offset of `address` from the load base, if it lies in the
    /// executable.
    pub(crate) fn offset_of(&self, address: usize) -> Option<u64> {
        self.ranges.iter().any(|&(start, end)| (start..end).contains(&address)).then(|| (address - self.base) as u64)
    }
}

/// What a file says of itself: which build it is, and the address its
/// first segment (at file offset 0) is linked at.
#[derive(Debug)]
pub(crate) struct FileIdentity {
    /// `gnu-build-id:<hex>`, or `size-mtime:<bytes>-<nanoseconds>`.
    pub(crate) build_id: String,
    /// Added to a recorded offset to give the address in the file's own
    /// terms (0 for a position-independent executable).
    pub(crate) first_vaddr: u64,
}

/// Reads the identity of the ELF file at `path`: its program headers and
/// notes only, not the whole file.
pub(crate) fn identify(path: &Path) -> std::io::Result<FileIdentity> {
    let file = File::open(path)?;
    let metadata = file.metadata()?;
    let cache = ReadCache::new(file);
    let elf = read_elf(&cache);
    let build_id = match elf.as_ref().and_then(|e| e.0.as_deref()) {
        Some(id) => format!("gnu-build-id:{}", id.iter().map(|b| format!("{b:02x}")).collect::<String>()),
        None => {
            let mtime = metadata.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
            format!("size-mtime:{}-{}", metadata.len(), mtime.map_or(0, |d| d.as_nanos()))
        }
    };
    Ok(FileIdentity { build_id, first_vaddr: elf.map_or(0, |e| e.1) })
}

/// The GNU build id and the address of the segment at offset 0 of a 64-bit
/// ELF file, or `None` for anything else.
fn read_elf(data: &ReadCache<File>) -> Option<(Option<Vec<u8>>, u64)> {
    let header = elf::FileHeader64::<Endianness>::parse(data).ok()?;
    let endian = header.endian().ok()?;
    let mut build_id = None;
    let mut first_vaddr = 0;
    for segment in header.program_headers(endian, data).ok()? {
        if segment.p_type(endian) == elf::PT_LOAD && segment.p_offset(endian) == 0 {
            first_vaddr = segment.p_vaddr(endian);
        }
        if let Ok(Some(mut notes)) = segment.notes(endian, data) {
            while let Ok(Some(note)) = notes.next() {
                if note.name() == elf::ELF_NOTE_GNU && note.n_type(endian) == elf::NT_GNU_BUILD_ID {
                    build_id.get_or_insert_with(|| note.desc().to_vec());
                }
            }
        }
    }
    Some((build_id, first_vaddr))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_from_the_mapping_at_file_offset_zero() {
        let maps = "\
55d000000000-55d000001000 r--p 00000000 08:01 42 /bin/test exe
55d000001000-55d000005000 r-xp 00001000 08:01 42 /bin/test exe
7f0000000000-7f0000001000 r-xp 00000000 08:01 43 /lib/libc.so.6
7ffd00000000-7ffd00001000 rw-p 00000000 00:00 0 [stack]";
        let image = Image::from_maps(maps, "/bin/test exe").unwrap();
        assert_eq!(image.offset_of(0x55d000001234), Some(0x1234));
        assert_eq!(image.offset_of(0x7f0000000010), None);
        assert!(Image::from_maps(maps, "/bin/other").is_none());
    }

    #[test]
    #[cfg_attr(miri, ignore = "reads the executable's path and file, which Miri's isolation forbids")]
    fn this_test_binary_has_an_identity() {
        let exe = std::env::current_exe().unwrap();
        let identity = identify(&exe).unwrap();
        assert!(identity.build_id.starts_with("gnu-build-id:") || identity.build_id.starts_with("size-mtime:"));
        assert_eq!(identify(&exe).unwrap().build_id, identity.build_id);
    }
}
