package io.fusion4j.tensor.cpu;

import io.fusion4j.api.backend.Availability;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.BackendOptions;
import io.fusion4j.api.backend.BackendProvider;
import jdk.incubator.vector.FloatVector;

/** Registers the CPU backend as {@code cpu} (priority 10). Threads default to the available processors. */
public final class CpuBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public int priority() {
        return 10;
    }

    @Override
    public Availability probe() {
        int bits = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        String detail = bits + "-bit vectors";
        return bits < 256
                ? Availability.yes(detail + " (no AVX2/AVX-512: kernels run, slowly)")
                : Availability.yes(detail);
    }

    @Override
    public Backend create(BackendOptions options) {
        if (options.precision() != io.fusion4j.api.backend.Precision.FP32) {
            throw new io.fusion4j.api.backend.BackendUnavailableException("backend 'cpu' computes matrix products in fp32"
                    + " only, asked for " + options.precision() + "; the onednn backend computes bf16");
        }
        int threads = options.threads() > 0 ? options.threads() : Runtime.getRuntime().availableProcessors();
        return new CpuBackend(threads);
    }
}
