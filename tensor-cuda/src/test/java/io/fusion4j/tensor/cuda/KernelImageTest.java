package io.fusion4j.tensor.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Pattern;
import java.util.stream.Stream;

class KernelImageTest {

    @Test
    void everyLaunchedKernelIsDefinedInTheSource() {
        String src = KernelImage.source();
        assertThat(src).as("fusion4j_kernels.cu in the jar").isNotNull();
        for (Kernel k : Kernel.values()) {
            assertThat(Pattern.compile("extern \"C\" __global__ void " + k.name() + "\\(").matcher(src).find())
                    .as("kernel %s in fusion4j_kernels.cu", k).isTrue();
        }
    }

    /** nvcc is on the build machines: there the build must have put PTX with every kernel into the jar. */
    @Test
    void theBuildEmbedsPtxWithEveryKernelWhenNvccIsPresent() {
        boolean nvcc = Stream.concat(
                        Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":")).map(p -> Path.of(p, "nvcc")),
                        Stream.of(Path.of("/usr/local/cuda/bin/nvcc")))
                .anyMatch(Files::isExecutable);
        byte[] ptx = KernelImage.resource(KernelImage.PTX);
        if (!nvcc) {
            assertThat(ptx).as("no nvcc, so no PTX").isNull();
            return;
        }
        assertThat(ptx).as("PTX built by nvcc").isNotNull();
        String text = new String(ptx, StandardCharsets.US_ASCII);
        for (Kernel k : Kernel.values()) {
            assertThat(text).as("PTX entry of %s", k).contains(".entry " + k.name() + "(");
        }
        String compat = new String(KernelImage.resource(KernelImage.COMPAT_PTX), StandardCharsets.US_ASCII);
        assertThat(compat).contains(".version 7.8").contains(".entry " + Kernel.sgemm_strided_f32 + "(");
        assertThat(KernelImage.ptx(KernelImage.PTX)).endsWith((byte) 0);
    }
}
