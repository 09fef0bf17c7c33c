"""Which profile an installed native module was built with: benchmark tables print it, so that
numbers are read in context."""

import struct


def elf_sections(path):
    """Section names of an ELF64 little-endian file (x86_64/aarch64 Linux), or None."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:6] != b"\x7fELF\x02\x01":
        return None
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    names_off, = struct.unpack_from("<Q", data, shoff + shstrndx * shentsize + 0x18)
    names = set()
    for i in range(shnum):
        name, = struct.unpack_from("<I", data, shoff + i * shentsize)
        start = names_off + name
        names.add(data[start:data.index(b"\0", start)].decode())
    return names


def native_build(module):
    """'debug' when the installed native module has a .debug_info section (maturin's default dev
    profile: unoptimised Rust; the workspace's release profile strips it), else 'release'. A
    heuristic, printed so numbers are read in context. (The section, not the bytes ".debug_info":
    Rust's std carries that string in every build, for its backtrace symbolizer.)"""
    try:
        sections = elf_sections(module.__file__)
    except (OSError, ValueError, struct.error):
        sections = None
    if sections is None:
        return "?"
    return "debug" if ".debug_info" in sections else "release"
