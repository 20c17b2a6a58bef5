/* A stand-in for libcuda.so.1 for DeviceRuntimeStandInTest: "device memory" is host memory, copies are memcpy,
   and cuLaunchKernel records the launch (kernel name, grid, block, shared bytes, the first 8 bytes of each
   parameter) instead of running it. It checks what a real driver would reject: a module image that is not a
   fatbin, a launch on another stream than the one created, a context not set on the calling thread. */
#include <stdlib.h>
#include <string.h>
#include <stdint.h>

static __thread int ctx_set;
static int launches;
static char last_name[128];
static unsigned last_grid, last_block, last_smem;
static uint64_t last_params[16];
static void *the_stream = (void *)0x5170;
static int expected_params;  /* the launch's parameter count, set by the test (cuLaunchKernel cannot know it) */

int cuInit(unsigned f) { return 0; }
int cuDriverGetVersion(int *v) { *v = 13000; return 0; }
int cuGetErrorName(int e, const char **s) {
  switch (e) { case 200: *s = "CUDA_ERROR_INVALID_IMAGE"; return 0; case 201: *s = "CUDA_ERROR_INVALID_CONTEXT"; return 0;
               case 400: *s = "CUDA_ERROR_INVALID_HANDLE"; return 0; default: return 1; }
}
int cuGetErrorString(int e, const char **s) { return 1; }
int cuDeviceGetCount(int *n) { *n = 1; return 0; }
int cuDeviceGet(int *d, int o) { *d = o; return 0; }
int cuDeviceGetName(char *n, int len, int d) { strncpy(n, "Stand-in GPU", len); return 0; }
int cuDeviceGetAttribute(int *v, int a, int d) { *v = a == 75 ? 9 : a == 76 ? 0 : a == 16 ? 132 : 0; return 0; }
int cuDevicePrimaryCtxRetain(void **c, int d) { *c = (void *)0xc0; return 0; }
int cuDevicePrimaryCtxRelease_v2(int d) { return 0; }
int cuCtxSetCurrent(void *c) { ctx_set = c == (void *)0xc0; return 0; }
int cuModuleLoadData(void **m, const void *image) {
  if (!ctx_set) return 201;
  if (*(const uint32_t *)image != 0xBA55ED50u) return 200;
  *m = (void *)0x30d; return 0;
}
int cuModuleGetFunction(void **f, void *m, const char *name) { *f = strdup(name); return 0; }
int cuModuleUnload(void *m) { return 0; }
int cuFuncSetAttribute(void *f, int a, int v) { return 0; }
int cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                   unsigned smem, void *stream, void **params, void **extra) {
  if (!ctx_set) return 201;
  if (stream != the_stream) return 400;
  strncpy(last_name, (const char *)f, sizeof last_name - 1);
  last_grid = gx; last_block = bx; last_smem = smem;
  memset(last_params, 0, sizeof last_params);
  for (int i = 0; i < expected_params && i < 16; i++) memcpy(&last_params[i], params[i], 8);
  launches++;
  return 0;
}
int cuStreamCreate(void **s, unsigned flags) { *s = the_stream; return 0; }
int cuStreamDestroy_v2(void *s) { return 0; }
int cuStreamSynchronize(void *s) { return 0; }
int cuEventCreate(void **e, unsigned flags) { *e = malloc(1); return 0; }
int cuEventDestroy_v2(void *e) { free(e); return 0; }
int cuEventRecord(void *e, void *s) { return 0; }
int cuEventSynchronize(void *e) { return 0; }
int cuMemAlloc_v2(uint64_t *p, size_t n) { *p = (uint64_t)aligned_alloc(256, (n + 255) / 256 * 256); return 0; }
int cuMemFree_v2(uint64_t p) { free((void *)p); return 0; }
int cuMemHostAlloc(void **p, size_t n, unsigned flags) { *p = malloc(n); return 0; }
int cuMemFreeHost(void *p) { free(p); return 0; }
int cuMemcpyHtoDAsync_v2(uint64_t d, const void *s, size_t n, void *st) { memcpy((void *)d, s, n); return 0; }
int cuMemcpyDtoHAsync_v2(void *d, uint64_t s, size_t n, void *st) { memcpy(d, (void *)s, n); return 0; }
int cuMemcpyDtoDAsync_v2(uint64_t d, uint64_t s, size_t n, void *st) { memcpy((void *)d, (void *)s, n); return 0; }
int cuMemsetD32Async(uint64_t d, unsigned v, size_t n, void *st) {
  for (size_t i = 0; i < n; i++) ((uint32_t *)d)[i] = v; return 0;
}

void standin_expect(int n) { expected_params = n; }
int standin_launches(void) { return launches; }
const char *standin_name(void) { return last_name; }
unsigned standin_grid(void) { return last_grid; }
unsigned standin_block(void) { return last_block; }
unsigned standin_smem(void) { return last_smem; }
uint64_t standin_param(int i) { return last_params[i]; }
