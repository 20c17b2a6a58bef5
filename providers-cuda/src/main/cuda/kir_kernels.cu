// kernel-ir CUDA kernels: one extern "C" entry point per (op, dtype, alignment), so that the Java side finds
// them by name and the launch-argument test can read each one's parameter table from the cubin.
//
// Conventions shared by every kernel (the Java side's CudaKernels launch descriptions mirror them):
//  * Inputs are rows: the last dimension contiguous, rows `stride` elements apart. Outputs the kernels allocate
//    are contiguous; in-place outputs pass the input's pointer and stride.
//  * A chunk is 16 bytes of input (VEC elements: 4 for f32, 8 for f16/bf16). Hidden sizes are multiples of VEC
//    (the provider's supports rule). The `_a` variants load and store whole 16-byte chunks and need every
//    pointer and row stride aligned to 16 bytes; the `_u` variants load element by element and accept any.
//  * Arithmetic is f32; each step rounds like the native implementation (explicit _rn intrinsics, so that the
//    compiler does not contract a*b-c into one fused multiply-add). Sums of squares are accumulated in f64,
//    like native's mean, so that a row whose squares are finite never overflows (f32 overflows from an RMS of
//    about 1.8e19 / sqrt(hidden)).
//  * amax is the maximum of |x| taken on the bit patterns as unsigned integers: for non-negative floats that
//    order is the numeric one, and a NaN (exponent all ones, mantissa non-zero) is above infinity, so a NaN
//    anywhere in the reduced range gives a NaN amax, as native's amax does.
//  * fp8 outputs are OCP e4m3fn, round to nearest even, saturating to +-448; NaN stays NaN.

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>
#include <stdint.h>

namespace kir {

constexpr float FP8_MAX = 448.0f;
// 1 / (448 * 512), the floor of every dynamic scale (rounded to f32 once, as native does).
constexpr float MIN_SCALE = 1.0f / (448.0f * 512.0f);

template <typename T> struct Elem;
template <> struct Elem<float> {
    static constexpr int VEC = 4;
    __device__ static float f(float v) { return v; }
    __device__ static float of(float v) { return v; }
};
template <> struct Elem<__half> {
    static constexpr int VEC = 8;
    __device__ static float f(__half v) { return __half2float(v); }
    __device__ static __half of(float v) { return __float2half_rn(v); }
};
template <> struct Elem<__nv_bfloat16> {
    static constexpr int VEC = 8;
    __device__ static float f(__nv_bfloat16 v) { return __bfloat162float(v); }
    __device__ static __nv_bfloat16 of(float v) { return __float2bfloat16_rn(v); }
};

// Loads one chunk (VEC elements) as f32: one 16-byte load when aligned, else VEC element loads.
template <typename T, bool A>
__device__ __forceinline__ void load_chunk(const T* p, float (&v)[Elem<T>::VEC]) {
    constexpr int VEC = Elem<T>::VEC;
    if constexpr (A) {
        uint4 raw = __ldg(reinterpret_cast<const uint4*>(p));
        const T* e = reinterpret_cast<const T*>(&raw);
#pragma unroll
        for (int i = 0; i < VEC; i++) v[i] = Elem<T>::f(e[i]);
    } else {
#pragma unroll
        for (int i = 0; i < VEC; i++) v[i] = Elem<T>::f(p[i]);
    }
}

// Loads one chunk that the same kernel may overwrite (in-place operands): no read-only cache path.
template <typename T, bool A>
__device__ __forceinline__ void load_chunk_rw(const T* p, float (&v)[Elem<T>::VEC]) {
    constexpr int VEC = Elem<T>::VEC;
    if constexpr (A) {
        uint4 raw = *reinterpret_cast<const uint4*>(p);
        const T* e = reinterpret_cast<const T*>(&raw);
#pragma unroll
        for (int i = 0; i < VEC; i++) v[i] = Elem<T>::f(e[i]);
    } else {
#pragma unroll
        for (int i = 0; i < VEC; i++) v[i] = Elem<T>::f(p[i]);
    }
}

template <typename T, bool A>
__device__ __forceinline__ void store_chunk(T* p, const float (&v)[Elem<T>::VEC]) {
    constexpr int VEC = Elem<T>::VEC;
    if constexpr (A) {
        uint4 raw;
        T* e = reinterpret_cast<T*>(&raw);
#pragma unroll
        for (int i = 0; i < VEC; i++) e[i] = Elem<T>::of(v[i]);
        *reinterpret_cast<uint4*>(p) = raw;
    } else {
#pragma unroll
        for (int i = 0; i < VEC; i++) p[i] = Elem<T>::of(v[i]);
    }
}

__device__ __forceinline__ uint8_t to_fp8(float v) {
    return static_cast<uint8_t>(__nv_cvt_float_to_fp8(v, __NV_SATFINITE, __NV_E4M3));
}

// Stores VEC fp8 codes: one 8-byte (16-bit inputs) or 4-byte (f32 inputs) store when aligned.
template <int VEC, bool A>
__device__ __forceinline__ void store_fp8(uint8_t* p, const float (&v)[VEC], float scale) {
    uint8_t q[VEC];
#pragma unroll
    for (int i = 0; i < VEC; i++) q[i] = to_fp8(__fdiv_rn(v[i], scale));
    if constexpr (A && VEC == 8) {
        uint2 raw;
        memcpy(&raw, q, 8);
        *reinterpret_cast<uint2*>(p) = raw;
    } else if constexpr (A && VEC == 4) {
        uint32_t raw;
        memcpy(&raw, q, 4);
        *reinterpret_cast<uint32_t*>(p) = raw;
    } else {
#pragma unroll
        for (int i = 0; i < VEC; i++) p[i] = q[i];
    }
}

// NaN-propagating min and max (CUDA's fminf/fmaxf drop NaN; native keeps it).
__device__ __forceinline__ float nan_max(float a, float b) { return (a != a || b != b) ? __int_as_float(0x7fffffff) : fmaxf(a, b); }
__device__ __forceinline__ float nan_min(float a, float b) { return (a != a || b != b) ? __int_as_float(0x7fffffff) : fminf(a, b); }

__device__ __forceinline__ unsigned abs_bits(float v) { return __float_as_uint(v) & 0x7fffffffu; }

// scale = max(min(amax, ub) / 448, 1 / (448 * 512)), NaN propagating, as native computes it.
__device__ __forceinline__ float dynamic_scale(float amax, int has_ub, float ub) {
    float a = has_ub ? nan_min(amax, ub) : amax;
    return nan_max(__fdiv_rn(a, FP8_MAX), MIN_SCALE);
}

// 2^ceil(log2(s)) for a positive scale, with native's rounding: log2 is taken in f64 and rounded to f32 first.
__device__ __forceinline__ float ue8m0(float s) {
    if (!(s > 0.0f) || isinf(s)) return s;  // NaN, infinity: unchanged, as 2^ceil(log2(.)) leaves them
    float l = __double2float_rn(log2(static_cast<double>(s)));
    int e = static_cast<int>(ceilf(l));
    return e > 127 ? __int_as_float(0x7f800000) : ldexpf(1.0f, e);
}

__device__ __forceinline__ double warp_sum(double v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

// Sum over the block; every thread gets the result. blockDim.x is a multiple of 32.
__device__ double block_sum(double v) {
    __shared__ double part[32];
    __shared__ double total;
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    v = warp_sum(v);
    if (lane == 0) part[warp] = v;
    __syncthreads();
    if (warp == 0) {
        double w = lane < (blockDim.x >> 5) ? part[lane] : 0.0;
        w = warp_sum(w);
        if (lane == 0) total = w;
    }
    __syncthreads();
    return total;
}

// Max of unsigned values over the block; every thread gets the result.
__device__ unsigned block_max(unsigned v) {
    __shared__ unsigned part[32];
    __shared__ unsigned total;
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    v = __reduce_max_sync(0xffffffffu, v);
    if (lane == 0) part[warp] = v;
    __syncthreads();
    if (warp == 0) {
        unsigned w = lane < (blockDim.x >> 5) ? part[lane] : 0u;
        w = __reduce_max_sync(0xffffffffu, w);
        if (lane == 0) total = w;
    }
    __syncthreads();
    return total;
}

// The row staged in shared memory as f32, so that the data is read from device memory once.
extern __shared__ float4 kir_row_smem[];

// r = 1 / sqrt(mean + eps), with native's f32 roundings at each step.
__device__ __forceinline__ float inv_rms(double sum_sq, int hidden, float eps) {
    float mean = __double2float_rn(sum_sq / static_cast<double>(hidden));
    float me = __double2float_rn(static_cast<double>(mean) + static_cast<double>(eps));
    return __double2float_rn(1.0 / sqrt(static_cast<double>(me)));
}

// ---- rms_norm: one block per row ------------------------------------------------------------------------------
template <typename T, bool A>
__device__ void rms_norm(T* __restrict__ out, const T* __restrict__ x, long long x_stride,
                         const T* __restrict__ w, int hidden, float eps) {
    constexpr int VEC = Elem<T>::VEC;
    float* row = reinterpret_cast<float*>(kir_row_smem);
    const long long r = blockIdx.x;
    x += r * x_stride;
    out += r * static_cast<long long>(hidden);
    const int chunks = hidden / VEC;
    double ss = 0.0;
    for (int c = threadIdx.x; c < chunks; c += blockDim.x) {
        float v[VEC];
        load_chunk<T, A>(x + c * VEC, v);
#pragma unroll
        for (int i = 0; i < VEC; i++) {
            ss += static_cast<double>(__fmul_rn(v[i], v[i]));
            row[c * VEC + i] = v[i];
        }
    }
    const float inv = inv_rms(block_sum(ss), hidden, eps);
    for (int c = threadIdx.x; c < chunks; c += blockDim.x) {
        float v[VEC], wv[VEC];
        if (w != nullptr) load_chunk<T, A>(w + c * VEC, wv);
#pragma unroll
        for (int i = 0; i < VEC; i++) {
            float y = __fmul_rn(row[c * VEC + i], inv);
            v[i] = w != nullptr ? __fmul_rn(y, wv[i]) : y;
        }
        store_chunk<T, A>(out + c * VEC, v);
    }
}

// ---- fused_add_rms_norm: r = x + residual (f32); y = rms_norm(r); residual_out = r. One block per row. --------
// In place, y_out is x and r_out is residual: every element is read before the same thread writes it.
template <typename T, bool A>
__device__ void fused_add_rms_norm(T* y_out, long long y_stride, T* r_out, long long r_stride,
                                   const T* x, long long x_stride, const T* res, long long res_stride,
                                   const T* __restrict__ w, int hidden, float eps) {
    constexpr int VEC = Elem<T>::VEC;
    float* row = reinterpret_cast<float*>(kir_row_smem);
    const long long r = blockIdx.x;
    x += r * x_stride;
    res += r * res_stride;
    y_out += r * y_stride;
    r_out += r * r_stride;
    const int chunks = hidden / VEC;
    double ss = 0.0;
    for (int c = threadIdx.x; c < chunks; c += blockDim.x) {
        float a[VEC], b[VEC];
        load_chunk_rw<T, A>(x + c * VEC, a);
        load_chunk_rw<T, A>(res + c * VEC, b);
#pragma unroll
        for (int i = 0; i < VEC; i++) {
            a[i] = __fadd_rn(a[i], b[i]);
            ss += static_cast<double>(__fmul_rn(a[i], a[i]));
            row[c * VEC + i] = a[i];
        }
        store_chunk<T, A>(r_out + c * VEC, a);
    }
    const float inv = inv_rms(block_sum(ss), hidden, eps);
    for (int c = threadIdx.x; c < chunks; c += blockDim.x) {
        float v[VEC], wv[VEC];
        if (w != nullptr) load_chunk<T, A>(w + c * VEC, wv);
#pragma unroll
        for (int i = 0; i < VEC; i++) {
            float y = __fmul_rn(row[c * VEC + i], inv);
            v[i] = w != nullptr ? __fmul_rn(y, wv[i]) : y;
        }
        store_chunk<T, A>(y_out + c * VEC, v);
    }
}

// ---- silu_and_mul / gelu_and_mul: grid-stride over [rows, d / VEC] chunks --------------------------------------
// mode 0: silu; 1: gelu exact (erf); 2: gelu tanh approximation.
__device__ __forceinline__ float gate(float a, int mode) {
    if (mode == 0) {
        float s = __frcp_rn(__fadd_rn(1.0f, expf(-a)));
        return __fmul_rn(a, s);
    }
    float half_a = __fmul_rn(a, 0.5f);
    if (mode == 1) {
        return __fmul_rn(half_a, __fadd_rn(erff(__fmul_rn(a, 0.70710678118654752f)), 1.0f));
    }
    float cube = __fmul_rn(__fmul_rn(a, a), a);
    float inner = __fmul_rn(__fadd_rn(__fmul_rn(cube, 0.044715f), a), 0.79788456080286536f);
    return __fmul_rn(half_a, __fadd_rn(tanhf(inner), 1.0f));
}

template <typename T, bool A>
__device__ void act_and_mul(T* __restrict__ out, const T* __restrict__ x, long long x_stride, long long rows,
                            int d, int mode) {
    constexpr int VEC = Elem<T>::VEC;
    const int dc = d / VEC;
    const long long total = rows * dc;
    for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < total;
         i += static_cast<long long>(gridDim.x) * blockDim.x) {
        const long long r = i / dc;
        const int c = static_cast<int>(i - r * dc);
        const T* xr = x + r * x_stride + c * VEC;
        float a[VEC], b[VEC];
        load_chunk<T, A>(xr, a);
        load_chunk<T, A>(xr + d, b);
#pragma unroll
        for (int k = 0; k < VEC; k++) a[k] = __fmul_rn(gate(a[k], mode), b[k]);
        store_chunk<T, A>(out + r * d + c * VEC, a);
    }
}

// ---- rotary_embedding, in place: one block per token, threads over (heads x rotary pairs) ----------------------
template <typename T>
__device__ void rotary(const long long* __restrict__ positions, T* query, long long q_stride, int q_heads,
                       T* key, long long k_stride, int k_heads, int head_size, int rotary_dim,
                       const T* __restrict__ cache, long long max_pos, int neox) {
    const long long t = blockIdx.x;
    const long long pos = positions[t];
    if (pos < 0 || pos >= max_pos) return;  // the provider checks positions on the host before launching
    const int half = rotary_dim / 2;
    const T* cs = cache + pos * rotary_dim;
    const int pairs = (q_heads + k_heads) * half;
    for (int p = threadIdx.x; p < pairs; p += blockDim.x) {
        const int h = p / half;
        const int i = p - h * half;
        T* head = h < q_heads ? query + t * q_stride + static_cast<long long>(h) * head_size
                              : key + t * k_stride + static_cast<long long>(h - q_heads) * head_size;
        const int i1 = neox ? i : 2 * i;
        const int i2 = neox ? i + half : 2 * i + 1;
        const float c = Elem<T>::f(cs[i]);
        const float s = Elem<T>::f(cs[half + i]);
        const float x1 = Elem<T>::f(head[i1]);
        const float x2 = Elem<T>::f(head[i2]);
        head[i1] = Elem<T>::of(__fsub_rn(__fmul_rn(x1, c), __fmul_rn(x2, s)));
        head[i2] = Elem<T>::of(__fadd_rn(__fmul_rn(x2, c), __fmul_rn(x1, s)));
    }
}

// ---- static_quant_fp8 (also the second step of per-tensor dynamic quant): q = fp8(x / scale[0]) --------------
template <typename T, bool A>
__device__ void quant_fp8(uint8_t* __restrict__ out, const T* __restrict__ x, long long x_stride, long long rows,
                          int hidden, const float* __restrict__ scale) {
    constexpr int VEC = Elem<T>::VEC;
    const float sc = *scale;
    const int hc = hidden / VEC;
    const long long total = rows * hc;
    for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < total;
         i += static_cast<long long>(gridDim.x) * blockDim.x) {
        const long long r = i / hc;
        const int c = static_cast<int>(i - r * hc);
        float v[VEC];
        load_chunk<T, A>(x + r * x_stride + c * VEC, v);
        store_fp8<VEC, A>(out + r * hidden + c * VEC, v, sc);
    }
}

// ---- dynamic_quant_fp8 per tensor, step 1: amax over the tensor into *amax_bits (zeroed before) -----------------
template <typename T, bool A>
__device__ void amax_all(unsigned* __restrict__ amax_bits, const T* __restrict__ x, long long x_stride,
                         long long rows, int hidden) {
    constexpr int VEC = Elem<T>::VEC;
    const int hc = hidden / VEC;
    const long long total = rows * hc;
    unsigned m = 0u;
    for (long long i = blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x; i < total;
         i += static_cast<long long>(gridDim.x) * blockDim.x) {
        const long long r = i / hc;
        const int c = static_cast<int>(i - r * hc);
        float v[VEC];
        load_chunk<T, A>(x + r * x_stride + c * VEC, v);
#pragma unroll
        for (int k = 0; k < VEC; k++) m = max(m, abs_bits(v[k]));
    }
    m = block_max(m);
    if (threadIdx.x == 0) atomicMax(amax_bits, m);
}

// ---- dynamic_quant_fp8 per token: one block per row ------------------------------------------------------------
template <typename T, bool A>
__device__ void per_token_quant(uint8_t* __restrict__ out, float* __restrict__ scales, const T* __restrict__ x,
                                long long x_stride, int hidden, int has_ub, float ub) {
    constexpr int VEC = Elem<T>::VEC;
    float* row = reinterpret_cast<float*>(kir_row_smem);
    const long long r = blockIdx.x;
    x += r * x_stride;
    const int chunks = hidden / VEC;
    unsigned m = 0u;
    for (int c = threadIdx.x; c < chunks; c += blockDim.x) {
        float v[VEC];
        load_chunk<T, A>(x + c * VEC, v);
#pragma unroll
        for (int i = 0; i < VEC; i++) {
            m = max(m, abs_bits(v[i]));
            row[c * VEC + i] = v[i];
        }
    }
    const float sc = dynamic_scale(__uint_as_float(block_max(m)), has_ub, ub);
    if (threadIdx.x == 0) scales[r] = sc;
    for (int c = threadIdx.x; c < chunks; c += blockDim.x) {
        float v[VEC];
#pragma unroll
        for (int i = 0; i < VEC; i++) v[i] = row[c * VEC + i];
        store_fp8<VEC, A>(out + r * hidden + c * VEC, v, sc);
    }
}

// ---- dynamic_group_quant_fp8: each group of g columns is held by g / VEC consecutive lanes (a power of two, at
// most 32), so that a group is reduced with shuffles inside its warp and quantized from registers: one pass. ----
template <typename T, bool A>
__device__ void group_quant(uint8_t* __restrict__ out, float* __restrict__ scales, const T* __restrict__ x,
                            long long x_stride, long long rows, int hidden, int group, int column_major,
                            int use_ue8m0) {
    constexpr int VEC = Elem<T>::VEC;
    const int lanes = group / VEC;
    const int hc = hidden / VEC;
    const int groups = hidden / group;
    const long long total = rows * hc;
    const int lane = threadIdx.x & 31;
    const long long warp_base = (blockIdx.x * static_cast<long long>(blockDim.x) + threadIdx.x) - lane;
    const long long stride = static_cast<long long>(gridDim.x) * blockDim.x;
    for (long long base = warp_base; base < total; base += stride) {
        const long long i = base + lane;
        const bool active = i < total;  // total is a multiple of `lanes`: inactive lanes form whole groups
        const long long r = active ? i / hc : 0;
        const int c = active ? static_cast<int>(i - r * hc) : 0;
        float v[VEC];
        unsigned m = 0u;
        if (active) {
            load_chunk<T, A>(x + r * x_stride + c * VEC, v);
#pragma unroll
            for (int k = 0; k < VEC; k++) m = max(m, abs_bits(v[k]));
        }
        for (int o = 1; o < lanes; o <<= 1) m = max(m, __shfl_xor_sync(0xffffffffu, m, o));
        if (active) {
            float sc = nan_max(__fdiv_rn(__uint_as_float(m), FP8_MAX), MIN_SCALE);
            if (use_ue8m0) sc = ue8m0(sc);
            store_fp8<VEC, A>(out + r * hidden + c * VEC, v, sc);
            if ((c & (lanes - 1)) == 0) {
                const int gi = c / lanes;
                scales[column_major ? static_cast<long long>(gi) * rows + r : r * groups + gi] = sc;
            }
        }
    }
}

}  // namespace kir

// ---- entry points --------------------------------------------------------------------------------------------------
// Names: kir_<op>_<dtype>[_a|_u]. The Java class CudaKernels lists each one with its parameter sizes.

#define KIR_TYPED(NAME, T, SUFFIX, A)                                                                               \
    extern "C" __global__ void __launch_bounds__(1024) kir_rms_norm_##NAME##SUFFIX(                                 \
        T* out, const T* x, long long x_stride, const T* w, int hidden, float eps) {                               \
        kir::rms_norm<T, A>(out, x, x_stride, w, hidden, eps);                                                      \
    }                                                                                                               \
    extern "C" __global__ void __launch_bounds__(1024) kir_fused_add_rms_norm_##NAME##SUFFIX(                       \
        T* y_out, long long y_stride, T* r_out, long long r_stride, const T* x, long long x_stride, const T* res,   \
        long long res_stride, const T* w, int hidden, float eps) {                                                  \
        kir::fused_add_rms_norm<T, A>(y_out, y_stride, r_out, r_stride, x, x_stride, res, res_stride, w, hidden,    \
                                      eps);                                                                         \
    }                                                                                                               \
    extern "C" __global__ void kir_act_and_mul_##NAME##SUFFIX(T* out, const T* x, long long x_stride,              \
                                                              long long rows, int d, int mode) {                    \
        kir::act_and_mul<T, A>(out, x, x_stride, rows, d, mode);                                                    \
    }                                                                                                               \
    extern "C" __global__ void kir_quant_fp8_##NAME##SUFFIX(uint8_t* out, const T* x, long long x_stride,          \
                                                            long long rows, int hidden, const float* scale) {       \
        kir::quant_fp8<T, A>(out, x, x_stride, rows, hidden, scale);                                                \
    }                                                                                                               \
    extern "C" __global__ void __launch_bounds__(1024) kir_amax_##NAME##SUFFIX(                                     \
        unsigned* amax_bits, const T* x, long long x_stride, long long rows, int hidden) {                          \
        kir::amax_all<T, A>(amax_bits, x, x_stride, rows, hidden);                                                  \
    }                                                                                                               \
    extern "C" __global__ void __launch_bounds__(1024) kir_per_token_quant_##NAME##SUFFIX(                          \
        uint8_t* out, float* scales, const T* x, long long x_stride, int hidden, int has_ub, float ub) {            \
        kir::per_token_quant<T, A>(out, scales, x, x_stride, hidden, has_ub, ub);                                   \
    }                                                                                                               \
    extern "C" __global__ void kir_group_quant_##NAME##SUFFIX(uint8_t* out, float* scales, const T* x,             \
                                                              long long x_stride, long long rows, int hidden,      \
                                                              int group, int column_major, int use_ue8m0) {         \
        kir::group_quant<T, A>(out, scales, x, x_stride, rows, hidden, group, column_major, use_ue8m0);             \
    }

#define KIR_DTYPE(NAME, T)                                                                                          \
    KIR_TYPED(NAME, T, _a, true)                                                                                    \
    KIR_TYPED(NAME, T, _u, false)                                                                                   \
    extern "C" __global__ void kir_rotary_##NAME(const long long* positions, T* query, long long q_stride,         \
                                                 int q_heads, T* key, long long k_stride, int k_heads,              \
                                                 int head_size, int rotary_dim, const T* cache, long long max_pos,  \
                                                 int neox) {                                                        \
        kir::rotary<T>(positions, query, q_stride, q_heads, key, k_stride, k_heads, head_size, rotary_dim, cache,   \
                       max_pos, neox);                                                                              \
    }

KIR_DTYPE(f32, float)
KIR_DTYPE(f16, __half)
KIR_DTYPE(bf16, __nv_bfloat16)

// Per-tensor dynamic quant, step 2: the scale from the amax of step 1 (one thread).
extern "C" __global__ void kir_amax_to_scale(float* scale, const unsigned* amax_bits, int has_ub, float ub) {
    *scale = kir::dynamic_scale(__uint_as_float(*amax_bits), has_ub, ub);
}
