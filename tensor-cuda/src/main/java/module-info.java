/**
 * The CUDA backend through the Foreign Function &amp; Memory API: driver API bindings, optional
 * cuBLAS and NVRTC, kernels as PTX built by nvcc (or compiled by NVRTC at run time). Registered as
 * backend {@code cuda}; unavailable, with the reason, where there is no driver or GPU.
 */
module io.fusion4j.tensor.cuda {
    requires transitive io.fusion4j.api;

    exports io.fusion4j.tensor.cuda;

    provides io.fusion4j.api.backend.BackendProvider with io.fusion4j.tensor.cuda.CudaBackendProvider;
}
