package io.fusion4j.eval.bench;

import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.data.Vocabulary;
import io.fusion4j.api.router.Routers;
import io.fusion4j.transfusion.TransfusionConfig;
import io.fusion4j.transfusion.TransfusionModel;
import io.fusion4j.transfusion.TransfusionSampler;
import io.fusion4j.transfusion.diffusion.Sampler;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * {@code bench sample}: images per second of the product {@link TransfusionSampler} on the {@code transfusion} bench
 * model (torch_train.py's trunk, randomly initialised: the cost of a step does not depend on the weights). An image is
 * DDIM in {@code steps} respaced steps with classifier-free guidance, so each step runs two forwards: the caption
 * prefix (BOS, 126 text ids, BOI: 128 positions, as in the training rows) plus the 64 patches, and the caption-less
 * prefix (BOS, BOI) plus the patches. Warm-up images first (the JIT), then timed images; images/s, the GFLOP/s the
 * backend counted, and the Java heap per image (the sampler builds each forward's batch on the host, so this is not
 * the training step's near-zero figure).
 */
public final class SampleBenchmark {
    /** Caption prefix length, BOS and BOI included: the text part of the training rows. */
    static final int PREFIX = BenchModels.TEXT_POSITIONS;

    private final Backend backend;
    private final Consumer<String> out;

    public SampleBenchmark(Backend backend, Consumer<String> out) {
        this.backend = backend;
        this.out = out;
    }

    public Measurement run(int warmup, int images, int steps, double guidance) {
        if (images < 1) {
            throw new IllegalArgumentException("bench sample needs >= 1 timed image, found " + images);
        }
        TransfusionConfig c = (TransfusionConfig) BenchModels.of(BenchModels.TRANSFUSION).model();
        TransfusionModel model = TransfusionModel.build(c, Routers.discover());
        model.decoder().parameters().allocate(backend, 1);
        Vocabulary vocab = Vocabulary.of(c.vocab() - 4, 0);
        TransfusionSampler sampler = new TransfusionSampler(model, backend, vocab, BenchModels.PATCHES_PER_IMAGE);
        int[] caption = new int[PREFIX];
        SplittableRandom r = new SplittableRandom(2);
        caption[0] = vocab.bos();
        for (int i = 1; i < PREFIX - 1; i++) {
            caption[i] = r.nextInt(vocab.textSize());
        }
        caption[PREFIX - 1] = vocab.boi();
        int[] free = {vocab.bos(), vocab.boi()};
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        double[] rates = new double[images];
        double[] gflops = new double[images];
        long heap = 0;
        float check = 0;
        for (int i = 0; i < warmup + images; i++) {
            long heap0 = mx.getThreadAllocatedBytes(tid);
            long flops0 = backend.flops().total();
            long t0 = System.nanoTime();
            float[] x = sampler.image(caption, Sampler.DDIM, steps, guidance, free, 1000 + i, k -> { });
            double secs = (System.nanoTime() - t0) / 1e9;
            if (i >= warmup) {
                rates[i - warmup] = 1 / secs;
                gflops[i - warmup] = (backend.flops().total() - flops0) / secs / 1e9;
                heap += mx.getThreadAllocatedBytes(tid) - heap0;
                check += x[0];
            }
        }
        if (!Float.isFinite(check)) {
            throw new IllegalStateException("bench sample: the sampled patches are not finite");
        }
        Measurement m = Measurement.of(rates, "images/s", (double) heap / images);
        java.util.Arrays.sort(gflops);
        int forwards = steps * (guidance != 1 ? 2 : 1);
        out.accept(String.format("sample transfusion DDIM-%d cfg %.1f (prefix %d + %d patches, %d forwards an image)"
                        + "  threads %d  %s  %.2f s/image  %.1f ms/forward  counted %.1f GFLOP/s  heap %.0f KB/image",
                steps, guidance, PREFIX, BenchModels.PATCHES_PER_IMAGE, forwards, backend.threads(), m.summary(),
                1 / m.median(), 1000 / m.median() / forwards, gflops[gflops.length / 2], m.heapBytesPerCall() / 1024));
        return m;
    }
}
