#!/usr/bin/env python3
# Regenerates llama-cpp-golden.json: what the llama.cpp build shipped with node-llama-cpp produces
# for seeded rows (reference weight quantization, dequantization, x86 AVX2 activation quantization,
# AVX2 vec_dot), called through ctypes. Run from the repo root after `npm install`:
#   python3 src/tensors/testdata/make-golden.py
import ctypes, hashlib, json, os, struct

LIB = "node_modules/@node-llama-cpp/linux-x64/bins/linux-x64/"
base = ctypes.CDLL(LIB + "libggml-base.so", mode=ctypes.RTLD_GLOBAL)
cpu = ctypes.CDLL(LIB + "libggml-cpu-haswell.so", mode=ctypes.RTLD_GLOBAL)  # the AVX2 variant
cpu.ggml_cpu_init()  # fills the f16 lookup table the dot kernels use
N = 512

# Must match goldenRow() in golden.test.ts: xorshift32 and exact-in-f32 values.
def rows():
    state = [0x9E3779B9]
    def nxt():
        x = state[0]
        x ^= (x << 13) & 0xFFFFFFFF; x ^= x >> 17; x ^= (x << 5) & 0xFFFFFFFF
        state[0] = x
        return x
    def uni(): return ((nxt() >> 8) - 8388608) * 2.0**-22
    def gauss(): return sum((nxt() >> 11) - 1048576 for _ in range(4)) * 2.0**-20
    out = {}
    out["uniform"] = [uni() for _ in range(N)]
    out["gauss"] = [gauss() for _ in range(N)]
    out["zeros"] = [0.0] * N
    g = [gauss() for _ in range(N)]; g[100] = 60.0; out["outlier"] = g
    t = []
    for i in range(N):
        t.append(127.0 if i % 32 == 0 else float(max(-127, min(126, (nxt() >> 24) - 128))) + 0.5)
    out["ties"] = t
    out["tiny"] = [gauss() * 2.0**-18 for _ in range(N)]
    out["half"] = [0.0] * 256 + [gauss() for _ in range(256)]
    out["const"] = [0.375] * N
    out["negconst"] = [-1.25] * N
    out["skewed"] = [abs(gauss()) + 0.5 for _ in range(N)]
    return out

STORAGE = {  # name: (ggml id, bytes per block, block size)
    "F16": (1, 2, 1), "BF16": (30, 2, 1), "Q4_0": (2, 18, 32), "Q4_1": (3, 20, 32), "Q5_0": (6, 22, 32),
    "Q5_1": (7, 24, 32), "Q8_0": (8, 34, 32), "Q2_K": (10, 84, 256), "Q3_K": (11, 110, 256),
    "Q4_K": (12, 144, 256), "Q5_K": (13, 176, 256), "Q6_K": (14, 210, 256),
}
ACT = {"Q8_0": (34, 32), "Q8_1": (36, 32), "Q8_K": (292, 256)}
VDT = {"Q4_0": "Q8_0", "Q5_0": "Q8_0", "Q8_0": "Q8_0", "Q4_1": "Q8_1", "Q5_1": "Q8_1",
       "Q2_K": "Q8_K", "Q3_K": "Q8_K", "Q4_K": "Q8_K", "Q5_K": "Q8_K", "Q6_K": "Q8_K", "F16": "F16", "BF16": "BF16"}

def sha(b): return hashlib.sha256(b).hexdigest()
def f32(xs): return (ctypes.c_float * len(xs))(*xs)

def quantize(name, xs):
    _, bpb, bs = STORAGE[name]
    out = (ctypes.c_uint8 * (len(xs) // bs * bpb))()
    if name == "F16": base.ggml_fp32_to_fp16_row(f32(xs), out, ctypes.c_int64(len(xs)))
    elif name == "BF16": base.ggml_fp32_to_bf16_row_ref(f32(xs), out, ctypes.c_int64(len(xs)))
    else: getattr(base, "quantize_row_%s_ref" % name.lower().replace("_k", "_K"))(f32(xs), out, ctypes.c_int64(len(xs)))
    return out

def dequantize(name, q):
    y = (ctypes.c_float * N)()
    if name == "F16": base.ggml_fp16_to_fp32_row(q, y, ctypes.c_int64(N))
    elif name == "BF16": base.ggml_bf16_to_fp32_row(q, y, ctypes.c_int64(N))
    else: getattr(base, "dequantize_row_%s" % name.lower().replace("_k", "_K"))(q, y, ctypes.c_int64(N))
    return y

def activation(vdt, xs):
    if vdt in ("F16", "BF16"):  # the CPU backend's own from_float (F16C on x86)
        out = (ctypes.c_uint8 * (2 * len(xs)))()
        getattr(cpu, "ggml_cpu_fp32_to_" + {"F16": "fp16", "BF16": "bf16"}[vdt])(f32(xs), out, ctypes.c_int64(len(xs)))
        return out
    bpb, bs = ACT[vdt]
    out = (ctypes.c_uint8 * (len(xs) // bs * bpb))()
    getattr(cpu, "quantize_row_%s" % vdt.lower().replace("_k", "_K"))(f32(xs), out, ctypes.c_int64(len(xs)))
    return out

def vec_dot(name, w, a):
    s = ctypes.c_float()
    fn = {"F16": "ggml_vec_dot_f16", "BF16": "ggml_vec_dot_bf16"}.get(name) or \
        "ggml_vec_dot_%s_%s" % (name.lower().replace("_k", "_K"), VDT[name].lower().replace("_k", "_K"))
    getattr(cpu, fn)(ctypes.c_int(N), ctypes.byref(s), ctypes.c_size_t(0), w, ctypes.c_size_t(0), a, ctypes.c_size_t(0), ctypes.c_int(1))
    return s.value

R = rows()
pkg = json.load(open("node_modules/node-llama-cpp/package.json"))
golden = {"source": "node-llama-cpp %s prebuilt linux-x64: libggml-base.so + libggml-cpu-haswell.so" % pkg["version"],
          "n": N, "rows": {}, "dots": []}
for rname, xs in R.items():
    entry = {"act": {v: sha(bytes(activation(v, xs))) for v in ("Q8_0", "Q8_1", "Q8_K")}, "types": {}}
    for t in STORAGE:
        q = quantize(t, xs)
        entry["types"][t] = {"q": sha(bytes(q)), "dq": sha(bytes(dequantize(t, q)))}
    golden["rows"][rname] = entry
for wname, aname in [("gauss", "uniform"), ("outlier", "gauss"), ("skewed", "ties"), ("tiny", "gauss"), ("half", "skewed")]:
    for t in STORAGE:
        golden["dots"].append({"type": t, "w": wname, "a": aname,
                               "value": vec_dot(t, quantize(t, R[wname]), activation(VDT[t], R[aname]))})
path = os.path.join(os.path.dirname(__file__), "llama-cpp-golden.json")
with open(path, "w") as f: json.dump(golden, f, indent=1); f.write("\n")
print("wrote", path)
