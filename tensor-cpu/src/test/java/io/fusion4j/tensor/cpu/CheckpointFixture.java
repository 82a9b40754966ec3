package io.fusion4j.tensor.cpu;

import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.BackendOptions;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.nn.DecoderConfig;
import io.fusion4j.api.nn.NormPlacement;
import io.fusion4j.api.optim.AdamW;
import io.fusion4j.api.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** What the checkpoint tests share: a one-thread CPU backend, a temporary folder and a small trained decoder. */
abstract class CheckpointFixture {
    static final DecoderConfig CFG = new DecoderConfig(13, 8, 1, 2, 12, 10000f, 1e-5f, NormPlacement.PRE, false,
            0f, 0.1f);

    @TempDir
    Path dir;

    final Backend be = new CpuBackendProvider().create(BackendOptions.withThreads(1));

    @AfterEach
    void closeBackend() {
        be.close();
    }

    record Model(Decoder decoder, AdamW opt) {
    }

    /** A model whose weights and moments depend on {@code seed}, after one optimizer step. */
    Model model(long seed) {
        Decoder d = new Decoder(CFG);
        d.parameters().allocate(be, seed);
        be.randomNormal(d.parameters().grads(), seed + 100, 0);
        AdamW opt = new AdamW(be, d.parameters(), 0.9f, 0.95f, 1e-8f, 0.1f, 1.0);
        opt.step(1e-3);
        return new Model(d, opt);
    }

    float[] host(Tensor t) {
        float[] f = new float[(int) t.numel()];
        be.copyToHost(t, f);
        return f;
    }
}
