package io.fusion4j.eval.bench;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Dense bf16 tensor-core peaks of known GPUs (vendor datasheets, without sparsity), to report model
 * FLOPs utilisation. Matched against a backend's device description, most specific name first.
 */
public record DevicePeak(String name, double bf16TeraFlops) {
    private static final List<DevicePeak> KNOWN = List.of(
            new DevicePeak("H100 PCIe", 756),
            new DevicePeak("H100 NVL", 835),
            new DevicePeak("H100", 989),
            new DevicePeak("H200", 989),
            new DevicePeak("A100", 312),
            new DevicePeak("L40S", 362),
            new DevicePeak("A10G", 70));

    /** The peak for a device description such as {@code "NVIDIA H100 80GB HBM3, compute 9.0, ..."}. */
    public static Optional<DevicePeak> of(String deviceDescription) {
        String d = deviceDescription.toUpperCase(Locale.ROOT);
        return KNOWN.stream().filter(p -> d.contains(p.name.toUpperCase(Locale.ROOT))).findFirst();
    }

    /** {@code "MFU 42.0% of the 989 TFLOP/s bf16 peak (H100)"} for a rate in GFLOP/s. */
    public String mfu(double gflops) {
        return String.format("MFU %.1f%% of the %.0f TFLOP/s bf16 peak (%s)", 100 * gflops / 1000 / bf16TeraFlops,
                bf16TeraFlops, name);
    }
}
