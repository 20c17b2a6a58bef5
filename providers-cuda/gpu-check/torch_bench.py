"""PyTorch's own versions of the benchmarked ops, timed like CudaCheck: CUDA events, mean of 20 launches after 3
warm-ups, ratio = time of a device-to-device copy moving the same bytes / op time. bf16, same shapes."""
import torch
import torch.nn.functional as F


def time_ms(fn, iters=20):
    for _ in range(3):
        fn()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(iters):
        fn()
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end) / iters


def report(what, traffic, fn):
    src = torch.empty(traffic // 2, dtype=torch.uint8, device="cuda")
    dst = torch.empty_like(src)
    copy = time_ms(lambda: dst.copy_(src))
    t = time_ms(fn)
    print(f"  torch {what:<40} {t:8.3f} ms  {traffic / t / 1e6:7.1f} GB/s   copy {copy:8.3f} ms   "
          f"ratio {copy / t:.2f}")


def main():
    print(f"torch {torch.__version__}, {torch.cuda.get_device_name(0)}")
    b = torch.bfloat16
    x = torch.randn(8192, 4096, dtype=b, device="cuda")
    r = torch.randn_like(x)
    w = torch.randn(4096, dtype=b, device="cuda")
    n = x.numel() * 2
    report("rms_norm [8192 x 4096]", 2 * n, lambda: F.rms_norm(x, (4096,), w, 1e-6))

    def fused():
        s = x + r
        return F.rms_norm(s, (4096,), w, 1e-6), s
    report("add + rms_norm [8192 x 4096]", 4 * n, fused)
    g = torch.randn(8192, 28672, dtype=b, device="cuda")
    a, c = g.chunk(2, dim=-1)
    gn = g.numel() * 2
    report("F.silu(a) * b [8192 x 28672]", gn + gn // 2, lambda: F.silu(a) * c)


if __name__ == "__main__":
    main()
