package io.fusion4j.eval.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.BackendOptions;
import io.fusion4j.api.backend.Backends;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.data.Modality;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.router.Routers;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.api.train.Trainer;
import io.fusion4j.eval.models.ModelBuilder;
import io.fusion4j.eval.models.Models;
import io.fusion4j.transfusion.TransfusionConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code bench train --config transfusion}: the model is torch_train.py's (its shapes and data layout), the FLOPs the
 * backend counts for one step equal a figure derived by hand from {@link io.fusion4j.api.backend.KernelFlops}'s table
 * (as {@code MoeFlopsTest} does for MoE; nothing here calls {@code KernelFlops}), and the benchmark runs a step.
 */
class TransfusionBenchTest {
    // torch_train.py's shapes: B rows of T positions (128 text, two images of 64 patches of W floats), width d,
    // H heads of D, SwiGLU hidden F, vocabulary V, L layers; FT sinusoidal timestep features.
    private static final long B = 8;
    private static final long T = 256;
    private static final long D_MODEL = 256;
    private static final long H = 4;
    private static final long F = 1024;
    private static final long V = 1024;
    private static final long L = 4;
    private static final long W = 16;
    private static final long FT = 256;

    private static Backend be;

    @BeforeAll
    static void start() {
        be = Backends.discover().create("cpu", BackendOptions.withThreads(2));
    }

    @AfterAll
    static void stop() {
        be.close();
    }

    @Test
    void theModelAndDataAreTorchTrainPys() {
        BenchModels.Bench b = BenchModels.of("transfusion");
        TransfusionConfig c = (TransfusionConfig) b.model();
        assertThat(c.trunk().experts()).isEqualTo(1);
        assertThat(c.trunk().base().dim()).isEqualTo((int) D_MODEL);
        assertThat(c.trunk().base().layers()).isEqualTo((int) L);
        assertThat(c.patchWidth()).isEqualTo((int) W);
        assertThat(c.timeFeatures()).isEqualTo((int) FT);
        assertThat(c.diffusionWeight()).isEqualTo(5.0);
        MixedBatch m = b.data().from(io.fusion4j.api.data.DataPosition.START).findFirst().orElseThrow();
        assertThat(m.rows()).isEqualTo((int) B);
        assertThat(m.length()).isEqualTo((int) T);
        assertThat(m.images()).hasSize((int) (2 * B));
        assertThat(m.images().get(1).start()).isEqualTo(192);
        assertThat(m.imageInputs()).hasSize((int) (B * 128 * W));
        // Text targets: the next id inside the text part; none from position 127 on.
        assertThat(m.targets()[126]).isEqualTo(m.ids()[127]);
        assertThat(m.targets()[127]).isEqualTo(MixedBatch.IGNORE);
        assertThat(m.modality()[127]).isEqualTo((byte) Modality.TEXT.ordinal());
        assertThat(m.modality()[128]).isEqualTo((byte) Modality.IMAGE.ordinal());
        assertThat(m.targetCount()).isEqualTo(B * 127);
    }

    /** Forward plus backward of one step, summed from the KernelFlops table for every kernel the step runs. */
    static long expectedForwardBackward() {
        long n = B * T;                 // rows of the residual stream: 2048
        long p = B * 128;               // patch rows: 1024
        long images = 2 * B;            // 16
        long d = D_MODEL;
        long hd = D_MODEL / H;
        // Visible (query, key) pairs of a row: causal over the 128 text positions, then each patch of the first image
        // sees the text and its whole image (192), each of the second the text, the first image and its own (256).
        long pairs = B * (128 * 129 / 2 + 64 * 192 + 64 * 256); // 8 × 36,928

        // The objective noises x₀: √ᾱ·x₀ and √(1−ᾱ)·ε (mulRows, 1 each), their sum (axpby, 3).
        long noise = p * W + p * W + 3 * p * W;
        // The input: the image-row marks (scatter-add of a [P, 1] column, 2 per element), keep = 1 − marks (axpby over
        // [n, 1]), patch_in (gemm [P, W]·[W, d]), the time MLP on one row per image (w1, sigmoid 4, the SiLU's multiply,
        // w2), the patch plus its image's time embedding (add), the text embedding times keep (mulRows), the patches
        // scattered to their rows (2 per element of [P, d]) and added to the text part.
        long embed = 2 * p + 3 * n + 2 * p * W * d
                + 2 * images * FT * d + 4 * images * d + images * d + 2 * images * d * d
                + p * d + n * d + 2 * p * d + n * d;
        // A pre-norm block: h = x + attn(norm(x)), out = h + ffn(norm(h)); no QK-norm.
        long layer = 4 * n * d                        // attn_norm
                + 3 * (2 * n * d * d)                 // wq, wk, wv
                + 2 * 3 * n * d                       // RoPE on q and k
                + 4 * H * hd * pairs                  // attention
                + 2 * n * d * d + n * d               // wo, residual add
                + 4 * n * d                           // ffn_norm
                + 2 * (2 * n * d * F) + 6 * n * F     // w1, w3, SwiGLU
                + 2 * n * F * d + n * d;              // w2, residual add
        long head = 4 * n * d + 2 * n * d * V + 4 * n * V;   // final norm, LM head over every row, cross-entropy
        long patchOut = 4 * p * d + 2 * p * d * W + 3 * p * W; // patch_out.norm, patch_out, mse

        // Backward, in reverse.
        long patchOutBack = 3 * p * W                 // mse
                + 2 * (2 * p * d * W)                 // patch_out dX, dW
                + 10 * p * d                          // patch_out.norm
                + 2 * p * d;                          // the gather's backward: scatter-add into h's gradient
        long headBack = 4 * n * V + 2 * (2 * n * d * V) + 10 * n * d
                + n * d;                              // final norm's dX added to what the gather gave h
        long layerBack = 2 * (2 * n * F * d)          // w2: dX, dW (the residual add passes its gradient on)
                + 14 * n * F                          // SwiGLU
                + 2 * (2 * (2 * n * d * F)) + n * d   // w3 then w1: dX and dW each; w1's dX added to w3's
                + 10 * n * d + n * d                  // ffn_norm, its dX added to the residual's gradient
                + 2 * (2 * n * d * d)                 // wo
                + 10 * H * hd * pairs                 // attention
                + 2 * (2 * n * d * d)                 // wv: dX, dW
                + 2 * (3 * n * d + 2 * (2 * n * d * d) + n * d) // k then q: RoPE, linear dX and dW, dX added
                + 10 * n * d + n * d;                 // attn_norm, its dX added to the residual's gradient
        // The input's backward: the scatter passes rows back (a gather and a copy: 0), the text part times keep
        // (mulRows), the embedding's scatter-add; the time embedding's gather backward (scatter-add of [P, d]), w2
        // (dX, dW), the SiLU's multiply (both sides, 1 each), the sigmoid's backward (3) and its sum with the
        // multiply's gradient, w1's dW (its input is a constant); patch_in's dW (its input is a constant too).
        long embedBack = n * d + 2 * n * d
                + 2 * p * d + 2 * (2 * images * d * d) + 2 * images * d + 3 * images * d + images * d
                + 2 * images * FT * d
                + 2 * p * W * d;
        return noise + embed + L * layer + head + patchOut + patchOutBack + headBack + L * layerBack + embedBack;
    }

    @Test
    void aStepCountsWhatTheTableSaysEachOpCosts() {
        BenchModels.Bench b = BenchModels.of("transfusion");
        Routers routers = Routers.discover();
        ModelBuilder builder = Models.standard(routers).builder(b.model());
        Decoder decoder = builder.decoder(b.model());
        decoder.parameters().allocate(be, 3);
        Trainer<MixedBatch> trainer = new Trainer<>(be, decoder.parameters(), builder.objective(decoder), b.data(),
                List.of(), b.train().withSteps(1), null, "{}\n");
        MixedBatch batch = b.data().from(io.fusion4j.api.data.DataPosition.START).findFirst().orElseThrow();
        long before = be.flops().total();
        try (StepArena arena = be.newArena()) {
            trainer.computeGradients(batch, 1, arena);
        }
        long counted = be.flops().total() - before;
        assertThat(expectedForwardBackward()).isEqualTo(EXPECTED);
        assertThat(counted).isEqualTo(expectedForwardBackward());
    }

    /** The hand figure, spelled out so a change to the sum above shows. */
    private static final long EXPECTED = 59_347_800_064L;

    @Test
    void theBenchmarkRunsAStepAndReportsItsHeapAndLoss() {
        List<String> lines = new ArrayList<>();
        Measurement m = new TrainBenchmark(be, lines::add).run("transfusion", 1, 1);
        assertThat(m.median()).isPositive();
        assertThat(m.heapBytesPerCall()).isPositive();
        String line = lines.getFirst();
        assertThat(line).startsWith("train transfusion (d=256 L=4 T=256 B=8 vocab=1024)").contains(" KB/step");
        // Every thread's heap includes the calling thread's (a step's KB rounded, so 1 KB of slack).
        Matcher own = Pattern.compile("heap (\\d+) KB/step").matcher(line);
        Matcher all = Pattern.compile("all threads (\\d+) KB/step").matcher(line);
        assertThat(own.find()).as(line).isTrue();
        assertThat(all.find()).as(line).isTrue();
        assertThat(Long.parseLong(all.group(1))).isGreaterThanOrEqualTo(Long.parseLong(own.group(1)) - 1);
        Matcher loss = Pattern.compile("loss (\\S+)").matcher(line);
        assertThat(loss.find()).isTrue();
        double l = Double.parseDouble(loss.group(1));
        // Untrained: LM ≈ ln 1024 ≈ 6.9 plus 5 × an MSE of about 1 against unit noise.
        assertThat(l).isFinite().isBetween(6.0, 20.0);
    }
}
