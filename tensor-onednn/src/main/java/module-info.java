/**
 * The {@code onednn} backend: the CPU backend's kernels, with the matrix products computed in bf16 (fp32
 * accumulation) by oneDNN through the Foreign Function &amp; Memory API: AMX where the CPU has it, AVX512-BF16
 * otherwise. Unavailable, with the reason, where libdnnl or the instructions are missing. Also the worked example
 * of a backend plugin that replaces one kernel family and inherits the rest.
 */
module io.fusion4j.tensor.onednn {
    requires transitive io.fusion4j.api;
    requires io.fusion4j.tensor.cpu;
    requires jdk.incubator.vector;

    provides io.fusion4j.api.backend.BackendProvider with io.fusion4j.tensor.onednn.OneDnnBackendProvider;
}
