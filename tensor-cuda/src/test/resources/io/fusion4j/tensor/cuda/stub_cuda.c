/* A stand-in libcuda.so.1 for tests on machines without a GPU: exports every driver symbol fusion4j
 * binds. STUB_INIT_STATUS and STUB_DEVICES (compile-time macros) choose what cuInit and
 * cuDeviceGetCount report, so the probe's failure and success paths run through real FFM downcalls. */
#include <string.h>
#ifndef STUB_INIT_STATUS
#define STUB_INIT_STATUS 0
#endif
#ifndef STUB_DEVICES
#define STUB_DEVICES 0
#endif
typedef unsigned long long u64;
int cuInit(unsigned int flags) { return STUB_INIT_STATUS; }
int cuDriverGetVersion(int* v) { *v = 13000; return 0; }
int cuDeviceGetCount(int* c) { *c = STUB_DEVICES; return 0; }
int cuDeviceGet(int* d, int ordinal) { *d = ordinal; return 0; }
int cuDeviceGetName(char* name, int len, int dev) { strncpy(name, "Stub GPU", len); return 0; }
int cuDeviceGetAttribute(int* v, int attr, int dev) { *v = attr == 75 ? 9 : 0; return 0; }
int cuDeviceTotalMem_v2(u64* b, int dev) { *b = 1ull << 30; return 0; }
int cuGetErrorName(int e, const char** s) {
    *s = e == 100 ? "CUDA_ERROR_NO_DEVICE" : e == 999 ? "CUDA_ERROR_UNKNOWN" : "CUDA_ERROR_STUB";
    return 0;
}
int cuGetErrorString(int e, const char** s) {
    *s = e == 100 ? "no CUDA-capable device is detected" : "stub error";
    return 0;
}
int cuDevicePrimaryCtxRetain(void** c, int d) { *c = (void*) 0x1; return 0; }
int cuDevicePrimaryCtxRelease_v2(int d) { return 0; }
int cuCtxSetCurrent(void* c) { return 0; }
int cuCtxSynchronize(void) { return 0; }
int cuMemAlloc_v2(u64* p, u64 n) { return 2; }
int cuMemFree_v2(u64 p) { return 0; }
int cuMemcpyHtoD_v2(u64 d, const void* s, u64 n) { return 0; }
int cuMemcpyDtoH_v2(void* d, u64 s, u64 n) { return 0; }
int cuMemcpyDtoD_v2(u64 d, u64 s, u64 n) { return 0; }
int cuMemsetD8_v2(u64 d, unsigned char v, u64 n) { return 0; }
int cuModuleLoadDataEx(void** m, const void* img, unsigned int n, void* o, void** v) { *m = (void*) 0x2; return 0; }
int cuModuleGetFunction(void** f, void* m, const char* name) { *f = (void*) 0x3; return 0; }
int cuModuleUnload(void* m) { return 0; }
int cuLaunchKernel(void* f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                   unsigned shared, void* stream, void** params, void** extra) { return 0; }
int cuStreamCreate(void** s, unsigned int flags) { *s = (void*) 0x4; return 0; }
int cuStreamSynchronize(void* s) { return 0; }
int cuStreamDestroy_v2(void* s) { return 0; }
int cuEventCreate(void** e, unsigned int flags) { *e = (void*) 0x5; return 0; }
int cuEventRecord(void* e, void* s) { return 0; }
int cuEventSynchronize(void* e) { return 0; }
int cuEventElapsedTime(float* ms, void* a, void* b) { *ms = 0; return 0; }
int cuEventDestroy_v2(void* e) { return 0; }
