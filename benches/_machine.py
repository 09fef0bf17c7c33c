"""What the benchmark tables print about the machine and the builds, so that numbers are read
in context: CPU model, steal time, and the profile a native module was built with."""

import platform
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


def cpu_ticks():
    """(steal, total) jiffies of all CPUs from /proc/stat, or None off Linux."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    return fields[7] if len(fields) > 7 else 0, sum(fields)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            return next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        return platform.machine()
