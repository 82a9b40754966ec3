package io.fusion4j.tensor.onednn;

import io.fusion4j.api.backend.Availability;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.BackendOptions;
import io.fusion4j.api.backend.BackendProvider;
import io.fusion4j.api.backend.BackendUnavailableException;
import io.fusion4j.api.backend.Precision;
import io.fusion4j.tensor.cpu.CpuBackend;

/**
 * Registers the {@code onednn} backend: the CPU backend with its matrix products in bf16 through oneDNN (see
 * {@link OneDnnMatmul}). It offers bf16 only, so it is chosen by {@code --precision bf16} (it is then the only
 * candidate) or by name; for fp32 the {@code cpu} backend is the one. Priority 5, below {@code cpu}, so it is never
 * picked for an fp32 run. Unavailable, with the reason, without libdnnl 2.x or without bf16 instructions (AMX or
 * AVX512-BF16): oneDNN would emulate bf16 there, slower than the fp32 backend, so it refuses instead.
 */
public final class OneDnnBackendProvider implements BackendProvider {
    public static final String NAME = "onednn";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 5;
    }

    @Override
    public Availability probe() {
        String missing = OneDnnLibrary.unavailableReason();
        if (missing != null) {
            return Availability.no(missing);
        }
        OneDnnLibrary lib = OneDnnLibrary.get().orElseThrow();
        if (!lib.nativeBf16()) {
            return Availability.no("this CPU has neither AMX nor AVX512-BF16 (oneDNN " + lib.version()
                    + " reports ISA 0x" + Integer.toHexString(lib.isa) + "); bf16 would be emulated, slower than fp32");
        }
        return Availability.yes("oneDNN " + lib.version() + " (" + lib.path + "), bf16 matrix products on "
                + lib.bf16Isa() + "; run with --precision bf16");
    }

    @Override
    public Availability probe(Precision precision) {
        if (precision != Precision.BF16) {
            return Availability.no("backend 'onednn' computes matrix products in bf16 only (pass --precision bf16);"
                    + " backend 'cpu' is the fp32 one");
        }
        return probe();
    }

    @Override
    public Backend create(BackendOptions options) {
        Availability a = probe(options.precision());
        if (!a.available()) {
            throw new BackendUnavailableException("backend 'onednn' is unavailable: " + a.reason());
        }
        OneDnnLibrary lib = OneDnnLibrary.get().orElseThrow();
        int threads = options.threads() > 0 ? options.threads() : Runtime.getRuntime().availableProcessors();
        return CpuBackend.withMatmul(NAME, threads, pool -> new OneDnnMatmul(lib, pool));
    }
}
