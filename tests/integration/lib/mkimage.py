#!/usr/bin/env python3
"""Test images for image-import.bats, made from the busybox rootfs the suite
builds (mkrootfs.sh): the same layers in every format jaula imports, two
images sharing base layers, and corrupt variants.

    mkimage.py ROOTFS OUT
    mkimage.py --layout OUT DIR...   an OCI layout of one gzip layer per DIR
                                     (absolute paths, kept as they are: for
                                     measuring imports of big images)

OUT/final/            the tree image "a" stands for (its layers merged)
OUT/layout-a/         OCI layout, gzip layers a1 a2 a3 (a3 removes a file a2
                      added with a .wh. whiteout and makes var/cache opaque)
OUT/layout-a-zstd/    the same layers, zstd
OUT/layout-b/         image "b": layers a1 a2 b3 (shares two with "a")
OUT/a.oci.tar         oci-archive of layout-a
OUT/a.docker.tar      docker save, before docker 25 (<id>/layer.tar, <hex>.json)
OUT/a.docker25.tar    docker save, docker 25+ (OCI layout + manifest.json)
OUT/dup.docker.tar    docker save with a repeated layer stored as a symlink
OUT/multi/            index of linux/arm64 (a bogus manifest) and linux/amd64
OUT/nested/           index.json -> an index blob -> image "a"
OUT/rootfs.tar{,.gz,.zst}  final/ as a plain tarball
OUT/bad-*/            corrupt layouts; OUT/bad-*.txt: the error they must give
Layers are deterministic (sorted, mtime and owners fixed), so every format
of "a" has the same diff_ids and chain ids.
"""
import copy
import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile

MTIME = 1700000000
ARCH = "amd64"


def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


# --- layers ---------------------------------------------------------------------


def tar_of(root, paths):
    """A tar of root/<path> for each path (dirs not recursed), in order."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        links = {}
        for p in paths:
            full = os.path.join(root, p)
            ti = t.gettarinfo(full, arcname=p)
            ti.uid = ti.gid = 0
            ti.uname = ti.gname = "root"
            ti.mtime = MTIME
            st = os.lstat(full)
            if ti.isfile() and st.st_nlink > 1:
                key = (st.st_dev, st.st_ino)
                if key in links:
                    ti.type, ti.linkname, ti.size = tarfile.LNKTYPE, links[key], 0
                else:
                    links[key] = p
            if ti.isfile():
                with open(full, "rb") as f:
                    t.addfile(ti, f)
            else:
                t.addfile(ti)
    return buf.getvalue()


def walk(root, sub=""):
    """Every path under root/sub, parents first, sorted."""
    out = []
    base = os.path.join(root, sub) if sub else root
    for name in sorted(os.listdir(base)):
        rel = os.path.join(sub, name) if sub else name
        out.append(rel)
        full = os.path.join(root, rel)
        if os.path.isdir(full) and not os.path.islink(full):
            out += walk(root, rel)
    return out


def make_layers(rootfs, work):
    """Stage trees for layers a1 a2 a3 b3 and the final tree of image a."""
    final = os.path.join(work, "final")
    shutil.copytree(rootfs, final, symlinks=True)
    os.makedirs(os.path.join(final, "var/cache"), exist_ok=True)
    with open(os.path.join(final, "var/cache/keep"), "w") as f:
        f.write("kept\n")
    os.link(os.path.join(final, "bin/busybox"), os.path.join(final, "bin/bb-hard"))
    os.chmod(os.path.join(final, "var/cache"), 0o750)
    every = walk(final)
    # a1: the directories, busybox and its hard link; a2: applet links and
    # etc; a3: a whiteout, an opaque var/cache and its one file.
    a1 = [p for p in every if os.path.isdir(os.path.join(final, p)) and
          not os.path.islink(os.path.join(final, p)) and p != "var/cache"]
    a1 += ["bin/busybox", "bin/bb-hard"]
    a1 = sorted(set(a1), key=every.index)
    rest = [p for p in every if p not in a1]
    a2 = [p for p in rest if not p.startswith("var/cache")]
    stage = os.path.join(work, "stage")
    os.makedirs(os.path.join(stage, "etc"))
    os.makedirs(os.path.join(stage, "var/cache"))
    for n, text in (("etc/removed-later", "gone in a3\n"), ("var/cache/junk", "junk\n"),
                    ("etc/.wh.removed-later", ""), ("var/cache/.wh..wh..opq", ""),
                    ("etc/hostname", "image-b\n")):
        with open(os.path.join(stage, n), "w") as f:
            f.write(text)
    os.chmod(os.path.join(stage, "var/cache"), 0o750)
    for d in ("etc", "var", "var/cache"):
        os.utime(os.path.join(stage, d), (MTIME, MTIME))
    layers = {
        "a1": tar_of(final, a1),
        # a2 also carries what a3 takes away again
        "a2": tar_of_two(final, a2, stage, ["etc/removed-later", "var/cache",
                                            "var/cache/junk"]),
        # a3: a whiteout, var/cache opaque, and var/cache/keep back over it
        "a3": tar_of_two(stage, ["etc", "etc/.wh.removed-later", "var", "var/cache",
                                 "var/cache/.wh..wh..opq"], final, ["var/cache/keep"]),
        "b3": tar_of(stage, ["etc", "etc/hostname"]),
    }
    return final, layers


def tar_of_two(root1, paths1, root2, paths2):
    """One tar of paths from two trees (members are concatenated, not the
    archives: the end-of-archive blocks of the first are dropped)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for root, paths in ((root1, paths1), (root2, paths2)):
            for p in paths:
                full = os.path.join(root, p)
                ti = t.gettarinfo(full, arcname=p)
                ti.uid = ti.gid = 0
                ti.uname = ti.gname = "root"
                ti.mtime = MTIME
                if ti.isfile():
                    with open(full, "rb") as f:
                        t.addfile(ti, f)
                else:
                    t.addfile(ti)
    return buf.getvalue()


def compress(data, how):
    if how == "gzip":
        return gzip.compress(data, mtime=0)
    if how == "zstd":
        return subprocess.run(["zstd", "-q", "-c"], input=data, stdout=subprocess.PIPE,
                              check=True).stdout
    return data


MT = {"": "application/vnd.oci.image.layer.v1.tar",
      "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
      "zstd": "application/vnd.oci.image.layer.v1.tar+zstd"}


# --- documents ------------------------------------------------------------------


def config_doc(diff_ids, name):
    return {
        "created": "2024-01-02T03:04:05Z",
        "architecture": ARCH,
        "os": "linux",
        "config": {
            "Entrypoint": ["/bin/sh", "-c"],
            "Cmd": ["echo hello from " + name],
            "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "IMAGE=" + name],
            "WorkingDir": "/root",
            "User": "0:0",
            "Labels": {"org.example.image": name},
            "StopSignal": "SIGTERM",
        },
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created": "2024-01-02T03:04:05Z", "created_by": "mkimage.py"}
                    for _ in diff_ids],
    }


def dumps(doc):
    return json.dumps(doc, separators=(",", ":"), sort_keys=False).encode()


class Layout:
    """An OCI image layout being written."""

    def __init__(self, path):
        self.path = path
        os.makedirs(os.path.join(path, "blobs/sha256"), exist_ok=True)
        with open(os.path.join(path, "oci-layout"), "w") as f:
            f.write('{"imageLayoutVersion":"1.0.0"}')

    def blob(self, data):
        d = sha(data)
        with open(os.path.join(self.path, "blobs/sha256", d[7:]), "wb") as f:
            f.write(data)
        return d

    def image(self, layers, comp, name):
        """Write layers (uncompressed tars), config and manifest; return the
        manifest descriptor, the manifest and the config."""
        descs = []
        for raw in layers:
            b = compress(raw, comp)
            descs.append({"mediaType": MT[comp], "digest": self.blob(b), "size": len(b)})
        cfg = dumps(config_doc([sha(raw) for raw in layers], name))
        man = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
               "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                          "digest": self.blob(cfg), "size": len(cfg)},
               "layers": descs}
        mb = dumps(man)
        return {"mediaType": man["mediaType"], "digest": self.blob(mb), "size": len(mb)}, man, cfg

    def index(self, manifests):
        doc = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
               "manifests": manifests}
        with open(os.path.join(self.path, "index.json"), "wb") as f:
            f.write(dumps(doc))


def tar_dir(src, dst, prefix=""):
    """A tar of directory src (what `tar -C src -cf dst .` makes, sorted)."""
    with tarfile.open(dst, "w", format=tarfile.PAX_FORMAT) as t:
        for p in walk(src):
            t.add(os.path.join(src, p), arcname=prefix + p, recursive=False)


# --- the formats ----------------------------------------------------------------


def oci_layouts(out, layers):
    a = [layers["a1"], layers["a2"], layers["a3"]]
    b = [layers["a1"], layers["a2"], layers["b3"]]
    made = {}
    for name, ls, comp in (("layout-a", a, "gzip"), ("layout-a-zstd", a, "zstd"),
                           ("layout-b", b, "gzip")):
        lay = Layout(os.path.join(out, name))
        desc, man, cfg = lay.image(ls, comp, name[7])
        desc["annotations"] = {"org.opencontainers.image.ref.name": "latest"}
        lay.index([desc])
        made[name] = (lay, desc, man, cfg)
    return made


def multi_and_nested(out, layers):
    a = [layers["a1"], layers["a2"], layers["a3"]]
    lay = Layout(os.path.join(out, "multi"))
    other = lay.blob(b'{"schemaVersion":2,"note":"never read: another platform"}')
    desc, _, _ = lay.image(a, "gzip", "a")
    lay.index([{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": other,
                "size": 55, "platform": {"architecture": "arm64", "os": "linux"}},
               dict(desc, platform={"architecture": ARCH, "os": "linux"})])
    lay = Layout(os.path.join(out, "nested"))
    desc, _, _ = lay.image(a, "gzip", "a")
    inner = dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                   "manifests": [dict(desc, platform={"architecture": ARCH, "os": "linux"})]})
    lay.index([{"mediaType": "application/vnd.oci.image.index.v1+json",
                "digest": lay.blob(inner), "size": len(inner)}])


def docker_save(out, name, layer_list, dup_links=True):
    """docker save before 25: <v1 id>/{VERSION,json,layer.tar}, <cfg hex>.json."""
    stage = os.path.join(out, name + ".d")
    os.makedirs(stage)
    cfg = dumps(config_doc([sha(x) for x in layer_list], "a"))
    cfg_name = sha(cfg)[7:] + ".json"
    with open(os.path.join(stage, cfg_name), "wb") as f:
        f.write(cfg)
    paths, first, parent = [], {}, ""
    for raw in layer_list:
        v1 = hashlib.sha256((parent + sha(raw) + str(len(paths))).encode()).hexdigest()
        d = os.path.join(stage, v1)
        os.makedirs(d)
        with open(os.path.join(d, "VERSION"), "w") as f:
            f.write("1.0")
        with open(os.path.join(d, "json"), "w") as f:
            json.dump({"id": v1, "parent": parent}, f)
        if sha(raw) in first and dup_links:
            os.symlink("../" + first[sha(raw)] + "/layer.tar", os.path.join(d, "layer.tar"))
        else:
            with open(os.path.join(d, "layer.tar"), "wb") as f:
                f.write(raw)
            first[sha(raw)] = v1
        paths.append(v1 + "/layer.tar")
        parent = v1
    with open(os.path.join(stage, "manifest.json"), "wb") as f:
        f.write(dumps([{"Config": cfg_name, "RepoTags": ["a:latest"], "Layers": paths}]))
    with open(os.path.join(stage, "repositories"), "w") as f:
        json.dump({"a": {"latest": parent}}, f)
    tar_dir(stage, os.path.join(out, name + ".tar"))
    shutil.rmtree(stage)


def docker25(out, layers):
    """docker save 25+: an OCI layout (uncompressed layers) plus manifest.json."""
    stage = os.path.join(out, "docker25.d")
    lay = Layout(stage)
    a = [layers["a1"], layers["a2"], layers["a3"]]
    desc, man, _ = lay.image(a, "", "a")
    desc["annotations"] = {"io.containerd.image.name": "docker.io/library/a:latest",
                           "org.opencontainers.image.ref.name": "latest"}
    lay.index([desc])
    with open(os.path.join(stage, "manifest.json"), "wb") as f:
        f.write(dumps([{"Config": "blobs/sha256/" + man["config"]["digest"][7:],
                        "RepoTags": ["a:latest"],
                        "Layers": ["blobs/sha256/" + d["digest"][7:] for d in man["layers"]]}]))
    tar_dir(stage, os.path.join(out, "a.docker25.tar"))
    shutil.rmtree(stage)


def rootfs_tars(out, final):
    raw = tar_of(final, walk(final))
    for suffix, comp in (("", ""), (".gz", "gzip"), (".zst", "zstd")):
        with open(os.path.join(out, "rootfs.tar" + suffix), "wb") as f:
            f.write(compress(raw, comp))


# --- corrupt variants -----------------------------------------------------------


def variant(out, name, base, edit, expect):
    """A copy of layout base changed by edit(layout_dir, index, manifest,
    config), which returns "raw" when it wrote what it changed itself,
    bytes to use as the manifest text, or None: then config, manifest and
    index are rewritten bottom up, each pointing at the new one."""
    d = os.path.join(out, "bad-" + name)
    shutil.copytree(os.path.join(out, base), d)
    with open(os.path.join(d, "index.json")) as f:
        index = json.load(f)
    mdesc = index["manifests"][0]
    blob = lambda dg: os.path.join(d, "blobs/sha256", dg[7:])
    with open(blob(mdesc["digest"]), "rb") as f:
        man = json.load(f)
    with open(blob(man["config"]["digest"]), "rb") as f:
        cfg = json.load(f)
    res = edit(d, index, man, cfg)
    if res != "raw":
        lay = Layout(d)
        if len(man["config"]["digest"]) == 71 and "/" not in man["config"]["digest"]:
            cfgb = dumps(cfg)
            man["config"].update(digest=lay.blob(cfgb), size=len(cfgb))
        mb = res if isinstance(res, bytes) else dumps(man)
        mdesc.update(digest=lay.blob(mb), size=len(mb))
        with open(os.path.join(d, "index.json"), "wb") as f:
            f.write(dumps(index))
    with open(os.path.join(out, "bad-" + name + ".txt"), "w") as f:
        f.write(expect + "\n")


def corrupt(out, layers):
    def flip(d, index, man, cfg):
        p = os.path.join(d, "blobs/sha256", man["layers"][2]["digest"][7:])
        with open(p, "r+b") as f:
            f.seek(20)
            c = f.read(1)
            f.seek(20)
            f.write(bytes([c[0] ^ 0xff]))
        return "raw"

    def size(d, index, man, cfg):
        man["layers"][1]["size"] += 1

    def diffid(d, index, man, cfg):
        cfg["rootfs"]["diff_ids"][2] = sha(b"not this layer")

    def truncated(d, index, man, cfg):
        p = os.path.join(d, "blobs/sha256", man["layers"][2]["digest"][7:])
        with open(p, "rb") as f:
            data = f.read()
        short = data[: len(data) // 2]
        man["layers"][2].update(digest=Layout(d).blob(short), size=len(short))

    def missing(d, index, man, cfg):
        os.unlink(os.path.join(d, "blobs/sha256", man["layers"][1]["digest"][7:]))
        return "raw"

    def badjson(d, index, man, cfg):
        return b'{"schemaVersion": 2, "config": {'


    def path_layer(d, index, man, cfg):
        man["layers"][0]["digest"] = "sha256:../../x"

    def path_config(d, index, man, cfg):
        man["config"]["digest"] = "sha256:../../../etc/passwd"

    def path_diffid(d, index, man, cfg):
        cfg["rootfs"]["diff_ids"][0] = "sha256:../../x"

    def path_index(d, index, man, cfg):
        index["manifests"][0]["digest"] = "sha256:../../x"
        with open(os.path.join(d, "index.json"), "wb") as f:
            f.write(dumps(index))
        return "raw"

    def upper_hex(d, index, man, cfg):
        man["layers"][0]["digest"] = man["layers"][0]["digest"].upper().replace("SHA256", "sha256")

    def noamd64(d, index, man, cfg):
        index["manifests"][0]["platform"] = {"architecture": "arm64", "os": "linux"}
        index["manifests"].append(dict(index["manifests"][0], platform={
            "architecture": "arm", "os": "linux", "variant": "v7"}))

    def count(d, index, man, cfg):
        cfg["rootfs"]["diff_ids"].pop()

    def badmt(d, index, man, cfg):
        man["layers"][1]["mediaType"] = "application/vnd.oci.image.layer.v1.tar+bzip2"

    def negsize(d, index, man, cfg):
        man["layers"][0]["size"] = -1

    def schema(d, index, man, cfg):
        man["schemaVersion"] = 1

    a3 = sha(compress(layers["a3"], "gzip"))[:19]
    cases = [
        ("digest", flip, "digest mismatch: expected " + a3),
        ("size", size, "size mismatch"),
        ("diffid", diffid, "diff_id mismatch"),
        ("truncated", truncated, "layer sha256:"),
        ("missing", missing, "layers[1]: blob sha256:"),
        ("json", badjson, "invalid JSON"),
        ("path-layer", path_layer, 'layers[0].digest: "sha256:../../x" is not a sha256 digest'),
        ("path-config", path_config,
         'config.digest: "sha256:../../../etc/passwd" is not a sha256 digest'),
        ("path-diffid", path_diffid,
         'rootfs.diff_ids[0]: "sha256:../../x" is not a sha256 digest'),
        ("path-index", path_index,
         'index.json: manifests[0].digest: "sha256:../../x" is not a sha256 digest'),
        ("upper-hex", upper_hex, "layers[0].digest"),
        ("noamd64", noamd64, "no image for linux/amd64 (it has: linux/arm64, linux/arm/v7)"),
        ("count", count, "the config has 2 diff_ids for 3 layers"),
        ("mediatype", badmt, 'layers[1].mediaType: "application/vnd.oci.image.layer.v1.tar'
                             '+bzip2" is not a layer media type'),
        ("negsize", negsize, "layers[0].size: -1 is negative"),
        ("schema", schema, "schemaVersion: 1 is not supported"),
    ]
    for name, edit, expect in cases:
        variant(out, name, "layout-a", edit, expect)


def big_layout(out, dirs):
    lay = Layout(out)
    layers = []
    for d in dirs:
        top = d.strip("/")
        layers.append(tar_of("/", [p for p in [top] + [os.path.join(top, q) for q in walk(d)]]))
    desc, _, _ = lay.image(layers, "gzip", "big")
    desc["annotations"] = {"org.opencontainers.image.ref.name": "latest"}
    lay.index([desc])
    print("%d layers, %d bytes uncompressed" % (len(layers), sum(len(x) for x in layers)))


def main():
    if sys.argv[1] == "--layout":
        big_layout(sys.argv[2], sys.argv[3:])
        return
    rootfs, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    final, layers = make_layers(rootfs, out)
    shutil.rmtree(os.path.join(out, "stage"))
    oci_layouts(out, layers)
    multi_and_nested(out, layers)
    tar_dir(os.path.join(out, "layout-a"), os.path.join(out, "a.oci.tar"))
    a = [layers["a1"], layers["a2"], layers["a3"]]
    docker_save(out, "a.docker", a)
    docker_save(out, "dup.docker", a + [layers["a2"]])
    docker25(out, layers)
    rootfs_tars(out, final)
    corrupt(out, layers)
    for name, raw in layers.items():
        with open(os.path.join(out, name + ".diffid"), "w") as f:
            f.write(sha(raw) + "\n")


if __name__ == "__main__":
    main()
