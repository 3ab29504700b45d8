#!/usr/bin/python3
"""A minimal CRI (k8s.io/cri-api runtime.v1) client: what the kubelet asks of
containerd to run a pod, for hosts without crictl (Debian 12 has no
cri-tools).

The messages are encoded by hand (protobuf wire format) for the handful of
fields used here, and sent over gRPC as raw bytes, so no generated code or
.proto file is needed.  Each command prints one JSON object.

usage: cri.py SOCKET COMMAND ARGS...
  version
  runp NAME HANDLER CGROUP_PARENT LOG_DIR   (host network, pod pid/ipc)
  create [OPTION=VALUE...] POD_ID POD_NAME NAME IMAGE LOG_DIR CMD...
    options (the container's linux.resources, and the pod's config the kubelet
    sends again with each container): --cgroup-parent=PATH (the pod's, as
    given to runp), --memory=BYTES, --cpu-quota=US, --cpu-period=US,
    --cpu-shares=N
  start ID | status ID | stop ID | rm ID | stopp POD | rmp POD
  exec ID TIMEOUT CMD...
"""
import json
import sys

import grpc

SERVICE = "/runtime.v1.RuntimeService/"


# --- wire format -----------------------------------------------------------

def varint(n):
    out = bytearray()
    n &= (1 << 64) - 1  # negative int64s as two's complement
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def msg(*fields):
    """fields: (number, value); value is str/bytes (length-delimited),
    int/bool (varint), a list (repeated) or None (left out)."""
    out = bytearray()
    for num, val in fields:
        vals = val if isinstance(val, list) else [val]
        for v in vals:
            if v is None:
                continue
            if isinstance(v, (bool, int)):
                out += varint(num << 3) + varint(int(v))
            else:
                b = v.encode() if isinstance(v, str) else v
                out += varint(num << 3 | 2) + varint(len(b)) + b
    return bytes(out)


def string_map(d):
    """map<string, string>: repeated entries {1: key, 2: value}."""
    return [msg((1, k), (2, v)) for k, v in d.items()]


def read_varint(b, i):
    n = shift = 0
    while True:
        c = b[i]
        i += 1
        n |= (c & 0x7F) << shift
        shift += 7
        if not c & 0x80:
            return n, i


def parse(b):
    """{number: [values]}: ints for varints, bytes for length-delimited."""
    out, i = {}, 0
    while i < len(b):
        key, i = read_varint(b, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = read_varint(b, i)
        elif wt == 2:
            n, i = read_varint(b, i)
            v, i = b[i:i + n], i + n
        elif wt == 1:
            v, i = b[i:i + 8], i + 8
        elif wt == 5:
            v, i = b[i:i + 4], i + 4
        else:
            raise ValueError("wire type %d" % wt)
        out.setdefault(num, []).append(v)
    return out


def first(d, num, default=None):
    return d.get(num, [default])[0]


def text(d, num):
    return first(d, num, b"").decode(errors="replace")


# --- messages --------------------------------------------------------------

NODE, POD = 2, 0


def sandbox_config(name, cgroup_parent, log_dir):
    metadata = msg((1, name), (2, name + "-uid"), (3, "default"), (4, 0))
    namespaces = msg((1, NODE), (2, POD), (3, POD))  # network, pid, ipc
    security = msg((1, namespaces))
    linux = msg((1, cgroup_parent), (2, security))
    return msg((1, metadata), (3, log_dir), (6, string_map({"test": "jaula"})),
               (8, linux))


def container_resources(memory=None, cpu_quota=None, cpu_period=None,
                        cpu_shares=None):
    """LinuxContainerResources, None when nothing is asked."""
    fields = ((1, cpu_period), (2, cpu_quota), (3, cpu_shares), (4, memory))
    if all(v is None for _, v in fields):
        return None
    return msg(*fields)


def container_config(name, image, cmd, resources=None):
    linux = msg((1, resources)) if resources is not None else None
    return msg((1, msg((1, name), (2, 0))), (2, msg((1, image))), (3, cmd),
               (6, [msg((1, "FROM_CRI"), (2, "yes"))]), (11, name + ".log"),
               (15, linux))


CREATE_OPTIONS = {"--cgroup-parent": "cgroup_parent", "--memory": "memory",
                  "--cpu-quota": "cpu_quota", "--cpu-period": "cpu_period",
                  "--cpu-shares": "cpu_shares"}


def options(args):
    """Leading --name=value arguments of create: (dict, the rest)."""
    opts = {}
    while args and args[0].startswith("--"):
        key, _, val = args[0].partition("=")
        if key not in CREATE_OPTIONS:
            raise SystemExit("unknown option " + key)
        name = CREATE_OPTIONS[key]
        opts[name] = val if name == "cgroup_parent" else int(val)
        args = args[1:]
    return opts, args


# --- commands --------------------------------------------------------------

def call(chan, method, body, timeout=60):
    return parse(chan.unary_unary(SERVICE + method)(body, timeout=timeout))


def main(argv):
    sock, cmd, args = argv[1], argv[2], argv[3:]
    chan = grpc.insecure_channel("unix://" + sock)
    if cmd == "version":
        r = call(chan, "Version", msg((1, "v1")))
        res = {"runtime_name": text(r, 2), "runtime_version": text(r, 3),
               "runtime_api_version": text(r, 4)}
    elif cmd == "runp":
        name, handler, cgroup_parent, log_dir = args
        r = call(chan, "RunPodSandbox",
                 msg((1, sandbox_config(name, cgroup_parent, log_dir)), (2, handler)))
        res = {"id": text(r, 1)}
    elif cmd == "create":
        opts, args = options(args)
        pod_id, pod_name, name, image, log_dir = args[:5]
        cgroup_parent = opts.pop("cgroup_parent", "")
        # the kubelet sends the pod's config again with each container, and
        # containerd takes the container's cgroup parent from that copy
        r = call(chan, "CreateContainer",
                 msg((1, pod_id),
                     (2, container_config(name, image, args[5:],
                                          container_resources(**opts))),
                     (3, sandbox_config(pod_name, cgroup_parent, log_dir))))
        res = {"id": text(r, 1)}
    elif cmd == "start":
        call(chan, "StartContainer", msg((1, args[0])))
        res = {}
    elif cmd == "status":
        r = call(chan, "ContainerStatus", msg((1, args[0])))
        st = parse(first(r, 1, b""))
        states = ["CREATED", "RUNNING", "EXITED", "UNKNOWN"]
        res = {"state": states[first(st, 3, 0)], "exit_code": first(st, 7, 0),
               "reason": text(st, 10), "message": text(st, 11)}
    elif cmd == "exec":
        r = call(chan, "ExecSync", msg((1, args[0]), (2, args[2:]), (3, int(args[1]))))
        res = {"stdout": text(r, 1), "stderr": text(r, 2), "exit_code": first(r, 3, 0)}
    elif cmd == "stop":
        call(chan, "StopContainer", msg((1, args[0]), (2, 5)))
        res = {}
    elif cmd == "rm":
        call(chan, "RemoveContainer", msg((1, args[0])))
        res = {}
    elif cmd == "stopp":
        call(chan, "StopPodSandbox", msg((1, args[0])))
        res = {}
    elif cmd == "rmp":
        call(chan, "RemovePodSandbox", msg((1, args[0])))
        res = {}
    else:
        print("unknown command " + cmd, file=sys.stderr)
        return 2
    print(json.dumps(res))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except grpc.RpcError as e:
        print(json.dumps({"error": e.details(), "code": str(e.code())}))
        sys.exit(1)
