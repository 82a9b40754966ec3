/** The CPU backend: Vector API kernels on a persistent worker pool. Registered as backend {@code cpu}. */
module io.fusion4j.tensor.cpu {
    requires transitive io.fusion4j.api;
    requires jdk.incubator.vector;

    exports io.fusion4j.tensor.cpu;

    provides io.fusion4j.api.backend.BackendProvider with io.fusion4j.tensor.cpu.CpuBackendProvider;
}
