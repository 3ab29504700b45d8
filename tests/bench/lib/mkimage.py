#!/usr/bin/env python3
"""Generated OCI image layouts for the image figures (no downloads).

  mkimage.py multi LAYOUT TAG ROOTFS
      busybox ROOTFS as the base layer, then three generated layers (large
      incompressible files, many small files, and a layer that changes the
      others: whiteouts, an opaque dir, hardlinks, symlinks): some tens of
      MB, every layer tar+gzip.  Prints the uncompressed bytes of all layers
      (the throughput's numerator).
  mkimage.py sized LAYOUT TAG ROOTFS CACHE MB
      busybox plus one layer of MB MiB of file data.  The layer (a .tar.gz,
      zeros: the compressed blob is about 1 MB, the unpacked tree MB MiB) is
      made once at CACHE and reused: its content never changes.

Layers are deterministic (fixed mtimes, owners and a seeded generator), so
every run imports the very same bytes.
"""
import gzip
import hashlib
import io
import json
import os
import random
import shutil
import sys
import tarfile

MTIME = 1700000000


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class Layout:
    def __init__(self, path):
        self.path = path
        shutil.rmtree(path, ignore_errors=True)
        os.makedirs(os.path.join(path, "blobs", "sha256"))
        with open(os.path.join(path, "oci-layout"), "w") as f:
            json.dump({"imageLayoutVersion": "1.0.0"}, f)
        self.layers = []  # (digest, size, diff_id)
        self.raw_bytes = 0

    def blob_bytes(self, data):
        hexd = hashlib.sha256(data).hexdigest()
        with open(os.path.join(self.path, "blobs", "sha256", hexd), "wb") as f:
            f.write(data)
        return "sha256:" + hexd, len(data)

    def add_layer_file(self, gz_path):
        """A ready .tar.gz: hashed, copied in; diff_id from its content."""
        h = hashlib.sha256()
        raw = 0
        with gzip.open(gz_path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
                raw += len(chunk)
        hexd = sha256_file(gz_path)
        dst = os.path.join(self.path, "blobs", "sha256", hexd)
        shutil.copyfile(gz_path, dst)
        self.layers.append(("sha256:" + hexd, os.path.getsize(dst), "sha256:" + h.hexdigest()))
        self.raw_bytes += raw

    def add_layer(self, build):
        """build(tarfile) writes the entries; the layer is gzipped here."""
        raw = io.BytesIO()
        with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
            build(t)
        data = raw.getvalue()
        gz = gzip.compress(data, compresslevel=6, mtime=0)
        digest, size = self.blob_bytes(gz)
        self.layers.append((digest, size, "sha256:" + hashlib.sha256(data).hexdigest()))
        self.raw_bytes += len(data)

    def finish(self, tag):
        config = {
            "created": "2023-11-14T22:13:20Z",
            "architecture": "amd64",
            "os": "linux",
            "config": {"Env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": ["/bin/sh"]},
            "rootfs": {"type": "layers", "diff_ids": [l[2] for l in self.layers]},
            "history": [{"created": "2023-11-14T22:13:20Z", "created_by": "jaula bench"}
                        for _ in self.layers],
        }
        cdig, csize = self.blob_bytes(json.dumps(config).encode())
        manifest = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                       "digest": cdig, "size": csize},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                        "digest": d, "size": s} for d, s, _ in self.layers],
        }
        mdig, msize = self.blob_bytes(json.dumps(manifest).encode())
        index = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
                           "digest": mdig, "size": msize,
                           "platform": {"architecture": "amd64", "os": "linux"},
                           "annotations": {"org.opencontainers.image.ref.name": tag}}],
        }
        with open(os.path.join(self.path, "index.json"), "w") as f:
            json.dump(index, f)


def fix(info):
    info.mtime = MTIME
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    return info


def add_rootfs(rootfs):
    def build(t):
        for name in sorted(os.listdir(rootfs)):
            t.add(os.path.join(rootfs, name), arcname=name, filter=fix)
    return build


def add_file(t, name, data, mode=0o644):
    info = fix(tarfile.TarInfo(name))
    info.size = len(data)
    info.mode = mode
    t.addfile(info, io.BytesIO(data))


def add_dir(t, name, mode=0o755):
    info = fix(tarfile.TarInfo(name))
    info.type = tarfile.DIRTYPE
    info.mode = mode
    t.addfile(info)


def add_link(t, name, target, kind):
    info = fix(tarfile.TarInfo(name))
    info.type = kind
    info.linkname = target
    info.mode = 0o777 if kind == tarfile.SYMTYPE else 0o644
    t.addfile(info)


def multi(layout, tag, rootfs):
    rng = random.Random(42)
    lay = Layout(layout)
    lay.add_layer(add_rootfs(rootfs))

    # 24 MiB in 6 incompressible files: the bulk-copy path.
    def big(t):
        add_dir(t, "data")
        for i in range(6):
            add_file(t, "data/blob%d.bin" % i, rng.randbytes(4 << 20))
    lay.add_layer(big)

    # 3000 small files (1-8 KiB of text) in 30 dirs: the per-entry path.
    def small(t):
        add_dir(t, "usr/share/bench")
        for d in range(30):
            add_dir(t, "usr/share/bench/d%02d" % d)
            for f in range(100):
                n = rng.randint(1024, 8192)
                words = " ".join("w%d" % rng.randint(0, 99999) for _ in range(n // 6))
                add_file(t, "usr/share/bench/d%02d/f%03d.txt" % (d, f), words.encode()[:n])
    lay.add_layer(small)

    # Changes: a whiteout, an opaque dir, hardlinks, symlinks, a setuid file.
    def changes(t):
        add_dir(t, "data")
        add_file(t, "data/.wh.blob5.bin", b"")
        add_dir(t, "usr/share/bench/d00")
        add_file(t, "usr/share/bench/d00/.wh..wh..opq", b"")
        add_file(t, "usr/share/bench/d00/new.txt", b"replaced\n")
        add_file(t, "data/extra.bin", rng.randbytes(2 << 20))
        for i in range(20):
            add_link(t, "data/hard%d.bin" % i, "data/extra.bin", tarfile.LNKTYPE)
            add_link(t, "data/sym%d" % i, "extra.bin", tarfile.SYMTYPE)
        add_file(t, "bin/suid-sample", b"#!/bin/sh\n", 0o4755)
    lay.add_layer(changes)
    lay.finish(tag)
    print(lay.raw_bytes)


class Zeros:
    """A file of n zero bytes, read as tarfile reads it (no 1 GB buffer)."""

    def __init__(self, n):
        self.left = n

    def read(self, n=-1):
        n = self.left if n < 0 else min(n, self.left)
        self.left -= n
        return bytes(n)


def sized(layout, tag, rootfs, cache, mb):
    mb = int(mb)
    if not os.path.exists(cache):
        # Written to a temp name and renamed: an interrupted run never
        # leaves a truncated cache behind.
        tmp = cache + ".tmp"
        try:
            with gzip.open(tmp, "wb", compresslevel=1) as gz:
                with tarfile.open(fileobj=gz, mode="w|", format=tarfile.PAX_FORMAT) as t:
                    if mb > 0:
                        add_dir(t, "big")
                        files = max(1, mb // 16)
                        for i in range(files):
                            info = fix(tarfile.TarInfo("big/f%03d.bin" % i))
                            per = mb // files + (1 if i < mb % files else 0)
                            info.size = per << 20
                            info.mode = 0o644
                            t.addfile(info, Zeros(info.size))
                    else:
                        add_file(t, "etc/bench-small", b"small\n")
        except BaseException:
            os.unlink(tmp)
            raise
        os.rename(tmp, cache)
    lay = Layout(layout)
    lay.add_layer(add_rootfs(rootfs))
    lay.add_layer_file(cache)
    lay.finish(tag)
    print(lay.raw_bytes)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "multi":
        multi(*sys.argv[2:])
    elif len(sys.argv) == 7 and sys.argv[1] == "sized":
        sized(*sys.argv[2:])
    else:
        sys.exit(__doc__)
