package io.fusion4j.tensor.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.LossValue;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.backend.BackendOptions;
import io.fusion4j.api.data.BatchSource;
import io.fusion4j.api.data.DataPosition;
import io.fusion4j.api.data.ImageSpan;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.data.Modality;
import io.fusion4j.api.io.CheckpointStore;
import io.fusion4j.api.nn.BlockFactory;
import io.fusion4j.api.nn.DecoderConfig;
import io.fusion4j.api.nn.FeedForward;
import io.fusion4j.api.nn.ForwardPass;
import io.fusion4j.api.nn.LmHead;
import io.fusion4j.api.nn.NamedComponent;
import io.fusion4j.api.nn.NormPlacement;
import io.fusion4j.api.nn.SwiGluFeedForward;
import io.fusion4j.api.nn.TokenEmbedding;
import io.fusion4j.api.nn.TokenMeta;
import io.fusion4j.api.nn.Trunk;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.api.tensor.Tensor;
import io.fusion4j.api.train.Objective;
import io.fusion4j.api.train.StepContext;
import io.fusion4j.api.train.StepLosses;
import io.fusion4j.api.train.TrainConfig;
import io.fusion4j.api.train.TrainEvent;
import io.fusion4j.api.train.Trainer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * A model built only from the public seams, outside api's packages: token embedding plus Philox noise keyed by the
 * step, a trunk whose feed-forward sends text and image rows to separate experts (gather, expert, gated scatter), an
 * LM head, and an objective with two loss terms (text and image next-token losses, the image one weighted 0.5) and
 * per-modality metrics. It trains, accumulates uneven micro-batches exactly, and resumes bit-exactly.
 */
class SeamsModelTest {
    private static final int TEXT_VOCAB = 20;
    private static final int VOCAB = 32;
    private static final DecoderConfig CFG = new DecoderConfig(VOCAB, 16, 2, 2, 24, 10000f, 1e-5f,
            NormPlacement.CHAMELEON, true, 0f, 0.1f);
    private static Backend be;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        be = new CpuBackendProvider().create(BackendOptions.withThreads(1));
    }

    @AfterAll
    static void stop() {
        be.close();
    }

    /** Text rows through one expert, image rows through another; reports the share of image tokens. */
    static final class ModalityExperts extends NamedComponent implements FeedForward {
        private final SwiGluFeedForward text;
        private final SwiGluFeedForward image;

        ModalityExperts(Parameters params, String prefix, DecoderConfig c) {
            super(prefix);
            this.text = new SwiGluFeedForward(params, prefix + ".experts.text", c.dim(), c.ffnHidden(), c.initStd());
            this.image = new SwiGluFeedForward(params, prefix + ".experts.image", c.dim(), c.ffnHidden(), c.initStd());
        }

        @Override
        public Var forward(ForwardPass pass, Var x) {
            TokenMeta t = pass.tokens();
            pass.losses().metric(name() + ".image_share", (double) t.countOf(Modality.IMAGE) / t.tokens());
            Modality only = t.uniformModality();
            if (only != null) {
                return (only == Modality.TEXT ? text : image).forward(pass, x);
            }
            Graph g = pass.graph();
            Var out = null;
            for (Modality m : Modality.values()) {
                Tensor rows = t.rowsOf(m);
                if (rows == null) {
                    continue;
                }
                Var y = (m == Modality.TEXT ? text : image).forward(pass, g.gatherRows(x, rows));
                Var back = g.scatterAddRows(y, rows, null, t.tokens());
                out = out == null ? back : g.add(out, back);
            }
            return out;
        }
    }

    /** The model: parameters in declaration order, as any model of the seams declares them. */
    static final class Model {
        final Parameters params = new Parameters();
        final TokenEmbedding embedding = new TokenEmbedding(params, CFG);
        final Trunk trunk = new Trunk(params, CFG, (p, prefix, layer, c) -> new ModalityExperts(p, prefix, c),
                BlockFactory.TRANSFORMER);
        final LmHead head = new LmHead(params, CFG);
    }

    /** Text and image next-token losses, split by the target's modality. */
    static final class TwoTermObjective implements Objective<MixedBatch> {
        private final Model m;
        private final float noise;

        /** @param noise std of the embedding noise; its draws depend on the micro-batch, so 0 where splits are compared */
        TwoTermObjective(Model m, float noise) {
            this.m = m;
            this.noise = noise;
        }

        @Override
        public Map<String, Long> counts(MixedBatch b) {
            return Map.of("text", b.targetCount(Modality.TEXT), "image", b.targetCount(Modality.IMAGE));
        }

        private Tensor targets(Graph g, MixedBatch b, Modality mod) {
            Tensor t = g.arena().allocate(DType.I32, Shape.of((long) b.rows() * b.length()));
            g.backend().copyFromHost(b.targetsFor(mod), t);
            return t;
        }

        @Override
        public void step(StepContext ctx, MixedBatch b) {
            Graph g = ctx.graph();
            TokenMeta tokens = TokenMeta.upload(g.backend(), g.arena(), b, false);
            ForwardPass pass = new ForwardPass(g, tokens, ctx.losses());
            Var x = m.embedding.forward(pass);
            if (noise > 0) {
                Tensor n = g.arena().allocate(DType.F32, Shape.of(tokens.tokens(), CFG.dim()));
                g.backend().randomNormal(n, ctx.randomKey(), ctx.randomOffset(0));
                g.backend().scale(n, noise, n);
                x = g.add(x, g.constant(n));
            }
            Var logits = m.head.forward(g, m.trunk.forward(pass, x));
            LossValue text = g.crossEntropySum(logits, targets(g, b, Modality.TEXT), 0f, ctx.losses().gradScale("text", 1));
            LossValue image = g.crossEntropySum(logits, targets(g, b, Modality.IMAGE), 0f,
                    ctx.losses().gradScale("image", 0.5));
            ctx.losses().loss("text", 1, text);
            ctx.losses().loss("image", 0.5, image);
            ctx.losses().metric("tokens/text", tokens.countOf(Modality.TEXT));
            ctx.losses().metric("tokens/image", tokens.countOf(Modality.IMAGE));
        }
    }

    /**
     * Batch {@code index} of {@code epoch}: 4 rows of 12 with random valid lengths (so micro-batches hold different
     * numbers of targets), one image of 4 tokens a row, and a second document in the last row.
     */
    static MixedBatch batch(long epoch, long index) {
        int rows = 4;
        int len = 12;
        SplittableRandom r = new SplittableRandom(1000 + epoch * 7919 + index);
        int[] ids = new int[rows * len];
        int[] tg = new int[rows * len];
        byte[] mod = new byte[rows * len];
        byte[] tmod = new byte[rows * len];
        int[] valid = new int[rows];
        List<ImageSpan> spans = new ArrayList<>();
        for (int row = 0; row < rows; row++) {
            valid[row] = 7 + r.nextInt(len - 6);
            int start = 1 + r.nextInt(valid[row] - 5);
            spans.add(new ImageSpan(row, start, start + 4));
            for (int t = 0; t < len; t++) {
                boolean img = t >= start && t < start + 4;
                mod[row * len + t] = (byte) (img ? Modality.IMAGE : Modality.TEXT).ordinal();
                ids[row * len + t] = img ? TEXT_VOCAB + r.nextInt(VOCAB - TEXT_VOCAB) : r.nextInt(TEXT_VOCAB);
            }
            for (int t = 0; t < len; t++) {
                int i = row * len + t;
                boolean last = t + 1 >= valid[row];
                tg[i] = last ? MixedBatch.IGNORE : ids[i + 1];
                tmod[i] = last ? mod[i] : mod[i + 1];
            }
        }
        int[][] docs = {{}, {}, {}, {}};
        if (spans.get(3).start() >= 2) {
            docs[3] = new int[]{spans.get(3).start() - 1}; // a new document just before the last row's image
        }
        return new MixedBatch(rows, len, ids, tg, mod, tmod, valid, docs, spans, null, 0, new DataPosition(epoch,
                index + 1));
    }

    static final BatchSource<MixedBatch> SOURCE = from -> Stream.iterate(from.index(), i -> i + 1)
            .map(i -> batch(from.epoch(), i));

    private static TrainConfig config(long steps, int micro) {
        return new TrainConfig(4, 12, steps, 3e-3, 3e-4, 1, 0.1f, 1.0, 0.9f, 0.95f, 1e-8f, 21, 2, 3, micro, 3, 1);
    }

    private Trainer<MixedBatch> trainer(Model m, TrainConfig c, CheckpointStore store, float noise) {
        return new Trainer<>(be, m.params, new TwoTermObjective(m, noise), SOURCE, List.of(batch(99, 0)), c, store,
                "{}\n");
    }

    @Test
    void unevenMicroBatchesGiveExactlyTheFullBatchGradient() {
        long index = 0;
        while (batch(0, index).microBatch(0, 2).targetCount(Modality.TEXT)
                == batch(0, index).microBatch(1, 2).targetCount(Modality.TEXT)) {
            index++; // the first batch whose halves hold different numbers of text targets
        }
        MixedBatch b = batch(0, index);
        float[][] grads = new float[3][];
        StepLosses[] losses = new StepLosses[3];
        int[] micro = {1, 2, 4};
        for (int i = 0; i < 3; i++) {
            Model m = new Model();
            m.params.allocate(be, 5);
            try (StepArena arena = be.newArena()) {
                losses[i] = trainer(m, config(1, micro[i]), null, 0f).computeGradients(b, 1, arena);
            }
            grads[i] = new float[(int) m.params.count()];
            be.copyToHost(m.params.grads(), grads[i]);
        }
        double max = 0;
        for (float g : grads[0]) {
            max = Math.max(max, Math.abs(g));
        }
        assertThat(max).isPositive();
        for (int i = 1; i < 3; i++) {
            for (int k = 0; k < grads[0].length; k++) {
                assertThat((double) grads[i][k]).as("%d micro-batches, gradient %d", micro[i], k)
                        .isCloseTo(grads[0][k], offset(1e-6 * max));
            }
            assertThat(losses[i].term("text").value()).isCloseTo(losses[0].term("text").value(), offset(1e-9));
            assertThat(losses[i].term("image").count()).isEqualTo(losses[0].term("image").count());
        }
        assertThat(losses[0].term("image").weight()).isEqualTo(0.5);
        assertThat(losses[0].total()).isCloseTo(losses[0].term("text").value() + 0.5 * losses[0].term("image").value(),
                offset(1e-12));
        // Weighting by 1/k instead of by count share would give a visibly different gradient: guard the premise.
        long t0 = b.microBatch(0, 2).targetCount(Modality.TEXT);
        long t1 = b.microBatch(1, 2).targetCount(Modality.TEXT);
        assertThat(Math.abs(0.5 - (double) t0 / (t0 + t1))).isGreaterThan(0.01);
    }

    private static void deleteTree(Path p) throws Exception {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }

    private static List<String> metricsWithoutTimes(Path run) throws Exception {
        return Files.readAllLines(run.resolve("metrics.jsonl")).stream()
                .map(l -> l.replaceAll("\"seconds\":[^,]*,", "")).toList();
    }

    @Test
    void trainsWithTwoTermsAndResumesBitExactly() throws Exception {
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        List<TrainEvent> events = new ArrayList<>();
        trainer(new Model(), config(6, 2), new CheckpointStore(a, 3), 0.05f).run(false, events::add);

        Model first = new Model();
        Trainer<MixedBatch> stopped = trainer(first, config(6, 2), new CheckpointStore(b, 3), 0.05f);
        stopped.run(false, e -> {
            if (e instanceof TrainEvent.Step s && s.step() == 3) {
                stopped.requestStop();
            }
        });
        assertThat(b.resolve("step-00000003")).isDirectory();
        List<TrainEvent> resumed = new ArrayList<>();
        trainer(new Model(), config(6, 2), new CheckpointStore(b, 3), 0.05f).run(true, resumed::add);
        assertThat(resumed.getFirst()).isEqualTo(new TrainEvent.Resumed(3, b.resolve("step-00000003")));

        for (String f : new String[]{"model.safetensors", "optimizer.safetensors", "trainer_state.json"}) {
            assertThat(Files.readAllBytes(b.resolve("step-00000006").resolve(f))).as(f)
                    .isEqualTo(Files.readAllBytes(a.resolve("step-00000006").resolve(f)));
        }
        assertThat(metricsWithoutTimes(b)).isEqualTo(metricsWithoutTimes(a));

        // Resuming from an older checkpoint than the last line of metrics.jsonl: the later lines are trained again,
        // not kept twice.
        Path c = dir.resolve("c");
        trainer(new Model(), config(6, 2), new CheckpointStore(c, 3), 0.05f).run(false, e -> { });
        deleteTree(c.resolve("step-00000006"));
        trainer(new Model(), config(6, 2), new CheckpointStore(c, 3), 0.05f).run(true, e -> { });
        assertThat(metricsWithoutTimes(c)).isEqualTo(metricsWithoutTimes(a));
        assertThat(Files.readAllBytes(c.resolve("step-00000006").resolve("model.safetensors")))
                .isEqualTo(Files.readAllBytes(a.resolve("step-00000006").resolve("model.safetensors")));

        List<TrainEvent.Step> steps = events.stream().filter(e -> e instanceof TrainEvent.Step)
                .map(e -> (TrainEvent.Step) e).toList();
        assertThat(steps).hasSize(6);
        TrainEvent.Step s = steps.getLast();
        assertThat(s.losses().terms()).extracting(t -> t.name()).containsExactly("text", "image");
        assertThat(s.losses().metrics()).containsKeys("tokens/text", "tokens/image", "layers.0.ffn.image_share");
        assertThat(s.losses().metrics().get("tokens/image")).isEqualTo(8.0); // 2 rows x 4 image tokens per micro-batch
        assertThat(s.totalFlops()).isEqualTo(steps.stream().mapToLong(TrainEvent.Step::flops).sum());
        assertThat(steps.getLast().loss()).isLessThan(steps.getFirst().loss());
        assertThat(events).filteredOn(e -> e instanceof TrainEvent.Validation).hasSize(2); // steps 3 and 6
        assertThat(Files.readString(a.resolve("metrics.jsonl")))
                .contains("\"event\":\"validation\",\"step\":3")
                .contains("\"image\":{\"value\":");
    }
}
