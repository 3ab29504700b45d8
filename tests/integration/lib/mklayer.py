#!/usr/bin/env python3
"""Write a layer tar for the unpack tests: normal ones and hostile ones.

    mklayer.py [options] OUT < ENTRIES.json

ENTRIES.json is a list of entries, written in order (duplicates allowed):
  {"name": "a/b",                 any string; "\\u0000" and "../" welcome
   "type": "file",                file dir symlink hardlink char block fifo
                                  socket, or one raw type byte ("V", "x"...)
   "data": "text",                file content (utf-8), or
   "size": 1048576,               that many zero bytes (streamed)
   "link": "target",              symlink / hardlink target
   "mode": "4755", "uid": 0, "gid": 0,
   "mtime": "1700000000.123456789",   seconds[.nanoseconds], a pax record
   "major": 1, "minor": 3,
   "xattrs": {"user.k": "v"},     SCHILY.xattr.* records
   "xattrs_hex": {"security.capability": "0100000200200000..."},  binary ones
   "pax": {"path": "a\\u0000b"}}  any other pax records, written as given

Options:
  --format pax|gnu|ustar   header format (default pax)
  --gzip                   gzip the result (zstd: pipe through zstd(1))
  --no-end                 leave out the end-of-archive blocks
  --trailer TEXT           bytes appended after the archive (padding tests)
  --corrupt-header N       flip a byte of the N-th header's checksum (0-based)
  --truncate N             keep only the first N bytes (after compression)

Entries the tarfile module refuses to make by normal means (a NUL in a
pax path, a hardlink to nothing) go through pax records or raw TarInfo
fields; tarfile writes them as told.
"""
import argparse
import gzip
import io
import json
import sys
import tarfile

TYPES = {
    "file": tarfile.REGTYPE,
    "dir": tarfile.DIRTYPE,
    "symlink": tarfile.SYMTYPE,
    "hardlink": tarfile.LNKTYPE,
    "char": tarfile.CHRTYPE,
    "block": tarfile.BLKTYPE,
    "fifo": tarfile.FIFOTYPE,
    "socket": b"s",
}


class Zeros(io.RawIOBase):
    """size zero bytes without holding them in memory."""

    def __init__(self, size):
        self.left = size

    def readable(self):
        return True

    def readinto(self, b):
        n = min(len(b), self.left)
        b[:n] = bytes(n)
        self.left -= n
        return n


def tarinfo(e):
    ti = tarfile.TarInfo(e["name"])
    t = e.get("type", "file")
    ti.type = TYPES[t] if t in TYPES else t.encode()
    ti.mode = int(str(e.get("mode", "755" if t == "dir" else "644")), 8)
    ti.uid = e.get("uid", 0)
    ti.gid = e.get("gid", 0)
    ti.uname = ti.gname = ""
    ti.linkname = e.get("link", "")
    ti.devmajor = e.get("major", 0)
    ti.devminor = e.get("minor", 0)
    pax = {}
    mtime = str(e.get("mtime", "1700000000"))
    ti.mtime = int(mtime.split(".")[0])
    if "." in mtime:
        pax["mtime"] = mtime
    for k, v in e.get("xattrs", {}).items():
        pax["SCHILY.xattr." + k] = v
    for k, v in e.get("xattrs_hex", {}).items():
        # tarfile writes values that are not utf-8 as they are (hdrcharset=BINARY)
        pax["SCHILY.xattr." + k] = bytes.fromhex(v).decode("utf-8", "surrogateescape")
    pax.update(e.get("pax", {}))
    ti.pax_headers = pax
    if "data" in e:
        data = e["data"].encode("utf-8", "surrogateescape")
        ti.size = len(data)
        return ti, io.BytesIO(data)
    ti.size = e.get("size", 0)
    return ti, Zeros(ti.size) if ti.size else None


def header_offsets(raw):
    """Offsets of the ustar headers of a plain archive (pax headers too)."""
    out, off = [], 0
    while off + 512 <= len(raw):
        block = raw[off:off + 512]
        if block == bytes(512):
            break
        out.append(off)
        size = int(block[124:136].rstrip(b"\0 ") or b"0", 8)
        off += 512 + (size + 511) // 512 * 512
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--format", default="pax", choices=["pax", "gnu", "ustar"])
    ap.add_argument("--gzip", action="store_true")
    ap.add_argument("--no-end", action="store_true")
    ap.add_argument("--trailer", default="")
    ap.add_argument("--corrupt-header", type=int)
    ap.add_argument("--truncate", type=int)
    args = ap.parse_args()
    fmt = {"pax": tarfile.PAX_FORMAT, "gnu": tarfile.GNU_FORMAT,
           "ustar": tarfile.USTAR_FORMAT}[args.format]
    entries = json.load(sys.stdin)

    buf = io.BytesIO()
    tf = tarfile.open(fileobj=buf, mode="w", format=fmt, encoding="utf-8",
                      errors="surrogateescape")
    for e in entries:
        ti, data = tarinfo(e)
        tf.addfile(ti, data)
    if args.no_end:
        tf.closed = True  # close() would write the end blocks
    else:
        tf.close()
    raw = bytearray(buf.getvalue())
    if args.corrupt_header is not None:
        off = header_offsets(raw)[args.corrupt_header]
        raw[off + 148] ^= 0x01
    raw += args.trailer.encode()
    if args.gzip:
        raw = bytearray(gzip.compress(bytes(raw), compresslevel=9, mtime=0))
    if args.truncate is not None:
        raw = raw[:args.truncate]
    with open(args.out, "wb") as f:
        f.write(raw)


if __name__ == "__main__":
    main()
