package io.fusion4j.eval.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DevicePeakTest {
    @Test
    void matchesTheMostSpecificKnownGpuAndComputesUtilisation() {
        assertThat(DevicePeak.of("NVIDIA H100 PCIe, compute 9.0").orElseThrow().bf16TeraFlops()).isEqualTo(756);
        DevicePeak sxm = DevicePeak.of("NVIDIA H100 80GB HBM3, compute 9.0, 132 SMs").orElseThrow();
        assertThat(sxm.bf16TeraFlops()).isEqualTo(989);
        assertThat(sxm.mfu(494_500)).isEqualTo("MFU 50.0% of the 989 TFLOP/s bf16 peak (H100)");
        assertThat(DevicePeak.of("NVIDIA H200, compute 9.0")).isPresent();
        assertThat(DevicePeak.of("2 processors, 512-bit vectors (16 floats), 1 worker threads")).isEmpty();
    }
}
