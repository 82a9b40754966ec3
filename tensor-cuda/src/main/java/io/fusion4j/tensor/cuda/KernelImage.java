package io.fusion4j.tensor.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * The kernels as shipped in the jar: PTX built by nvcc at build time (native ISA and a compat copy
 * declared as ISA 7.8 for older drivers), and always the CUDA source for NVRTC.
 */
final class KernelImage {
    static final String PTX = "fusion4j_kernels.ptx";
    static final String COMPAT_PTX = "fusion4j_kernels.compat.ptx";
    static final String SOURCE = "fusion4j_kernels.cu";

    private KernelImage() {
    }

    /** A resource's bytes with a terminating NUL (as cuModuleLoadData wants PTX), or null when absent. */
    static byte[] ptx(String name) {
        byte[] b = resource(name);
        if (b == null) {
            return null;
        }
        byte[] z = java.util.Arrays.copyOf(b, b.length + 1);
        z[b.length] = 0;
        return z;
    }

    static String source() {
        byte[] b = resource(SOURCE);
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    static byte[] resource(String name) {
        try (InputStream in = KernelImage.class.getResourceAsStream(name)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            return null;
        }
    }
}
