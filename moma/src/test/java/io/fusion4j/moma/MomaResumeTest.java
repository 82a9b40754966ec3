package io.fusion4j.moma;

import static org.assertj.core.api.Assertions.assertThat;

import io.fusion4j.api.data.BatchSource;
import io.fusion4j.api.data.DataPosition;
import io.fusion4j.api.data.ImageSpan;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.data.Modality;
import io.fusion4j.api.io.CheckpointStore;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.nn.DecoderConfig;
import io.fusion4j.api.nn.NormPlacement;
import io.fusion4j.api.router.RouterSpec;
import io.fusion4j.api.router.Routers;
import io.fusion4j.api.train.NextTokenObjective;
import io.fusion4j.api.train.TrainConfig;
import io.fusion4j.api.train.TrainEvent;
import io.fusion4j.api.train.Trainer;
import io.fusion4j.moma.routing.DepthProvider;
import io.fusion4j.moma.routing.ExpertChoiceProvider;
import io.fusion4j.moma.routing.ModalityProvider;
import io.fusion4j.moma.routing.TokenChoiceProvider;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Sparse models resume bit-exactly: N steps straight and N/2 steps, a stop, then a new {@link Trainer} resumed from
 * the checkpoint to N end with the same parameters, optimizer state, trainer state and metrics, bit for bit. The
 * routing is data-dependent (expert choice, with Gumbel noise keyed by the step; mixture-of-depths on every other
 * layer), so this holds only if every routing decision is reproduced.
 */
class MomaResumeTest extends CpuBackendTest {
    private static final int VOCAB = 32;
    private static final int ROWS = 4;
    private static final int LEN = 12;
    private static final long STEPS = 6;
    private static final Routers ROUTERS = new Routers(List.of(new ExpertChoiceProvider(), new TokenChoiceProvider(),
            new ModalityProvider(), new DepthProvider()));

    @TempDir
    Path dir;

    private static DecoderConfig base(int layers) {
        return new DecoderConfig(VOCAB, 16, layers, 2, 24, 10000f, 1e-5f, NormPlacement.CHAMELEON, true, 1e-5f, 0.1f);
    }

    enum Variant {
        /** moe-4x: expert choice over 4 experts in every layer, with Gumbel-sigmoid noise while training. */
        EXPERT_CHOICE(new MomaConfig(base(2), 4, RouterSpec.of(ExpertChoiceProvider.NAME, "noise", true), null)),
        /** MoD: dense feed-forwards, depth routing at capacity 0.25 on layers 0 and 2 of 3. */
        DEPTH(new MomaConfig(base(3), 1, null, new MomaConfig.DepthSpec(2, 0, RouterSpec.of(DepthProvider.NAME)))),
        /** MoD-MoMa 2t2i: depth routing (capacity 0.5) on layer 0, modality groups of expert choice inside. */
        DEPTH_AND_MODALITY(new MomaConfig(base(2), 4, RouterSpec.of(ModalityProvider.NAME),
                new MomaConfig.DepthSpec(2, 0, RouterSpec.of(DepthProvider.NAME, "capacity", 0.5))));

        final MomaConfig config;

        Variant(MomaConfig config) {
            this.config = config;
        }
    }

    /**
     * Batch {@code index}: rows of 12 with random valid lengths, an image of 4 codes (ids in the upper half of the
     * vocabulary) per row, and a second document in the last row.
     */
    static MixedBatch batch(long epoch, long index) {
        SplittableRandom r = new SplittableRandom(500 + epoch * 7919 + index);
        int[] ids = new int[ROWS * LEN];
        int[] tg = new int[ROWS * LEN];
        byte[] mod = new byte[ROWS * LEN];
        byte[] tmod = new byte[ROWS * LEN];
        int[] valid = new int[ROWS];
        List<ImageSpan> spans = new ArrayList<>();
        for (int row = 0; row < ROWS; row++) {
            valid[row] = 7 + r.nextInt(LEN - 6);
            int start = 1 + r.nextInt(valid[row] - 5);
            spans.add(new ImageSpan(row, start, start + 4));
            for (int t = 0; t < LEN; t++) {
                boolean img = t >= start && t < start + 4;
                mod[row * LEN + t] = (byte) (img ? Modality.IMAGE : Modality.TEXT).ordinal();
                ids[row * LEN + t] = img ? VOCAB / 2 + r.nextInt(VOCAB / 2) : r.nextInt(VOCAB / 2);
            }
            for (int t = 0; t < LEN; t++) {
                int i = row * LEN + t;
                boolean last = t + 1 >= valid[row];
                tg[i] = last ? MixedBatch.IGNORE : ids[i + 1];
                tmod[i] = last ? mod[i] : mod[i + 1];
            }
        }
        int[][] docs = new int[ROWS][0];
        if (spans.getLast().start() >= 2) {
            docs[ROWS - 1] = new int[]{spans.getLast().start() - 1};
        }
        return new MixedBatch(ROWS, LEN, ids, tg, mod, tmod, valid, docs, spans, null, 0,
                new DataPosition(epoch, index + 1));
    }

    private static final BatchSource<MixedBatch> SOURCE = from -> Stream.iterate(from.index(), i -> i + 1)
            .map(i -> batch(from.epoch(), i));

    private static TrainConfig config() {
        // batch, seqLen, steps, lr, minLr, warmup, decay, clip, betas, eps, seed, checkpointEvery, keep,
        // microBatches, validateEvery, validationBatches
        return new TrainConfig(ROWS, LEN, STEPS, 3e-3, 3e-4, 1, 0.1f, 1.0, 0.9f, 0.95f, 1e-8f, 41, 2, 3, 2, 3, 1);
    }

    private static Trainer<MixedBatch> trainer(Decoder model, Path run) {
        return new Trainer<>(be, model.parameters(),
                new NextTokenObjective(model, Set.of(Modality.TEXT, Modality.IMAGE)), SOURCE, List.of(batch(99, 0)),
                config(), new CheckpointStore(run, 3), "{}\n");
    }

    private static int[] bits(Decoder model) {
        float[] v = new float[(int) model.parameters().count()];
        be.copyToHost(model.parameters().values(), v);
        int[] b = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = Float.floatToRawIntBits(v[i]);
        }
        return b;
    }

    private static List<String> metricsWithoutTimes(Path run) throws Exception {
        return Files.readAllLines(run.resolve("metrics.jsonl")).stream()
                .map(l -> l.replaceAll("\"seconds\":[^,]*,", "")).toList();
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void stoppedAndResumedEqualsStraight(Variant variant) throws Exception {
        Path a = dir.resolve("straight");
        Path b = dir.resolve("resumed");
        Decoder straight = MomaModel.build(variant.config, ROUTERS);
        List<TrainEvent> events = new ArrayList<>();
        trainer(straight, a).run(false, events::add);

        Trainer<MixedBatch> first = trainer(MomaModel.build(variant.config, ROUTERS), b);
        first.run(false, e -> {
            if (e instanceof TrainEvent.Step s && s.step() == STEPS / 2) {
                first.requestStop();
            }
        });
        assertThat(b.resolve("step-00000003")).isDirectory();
        assertThat(b.resolve("step-00000006")).doesNotExist();

        Decoder resumed = MomaModel.build(variant.config, ROUTERS);
        List<TrainEvent> later = new ArrayList<>();
        trainer(resumed, b).run(true, later::add);
        assertThat(later.getFirst()).isEqualTo(new TrainEvent.Resumed(STEPS / 2, b.resolve("step-00000003")));
        assertThat(later).filteredOn(e -> e instanceof TrainEvent.Step).hasSize((int) (STEPS / 2));

        assertThat(bits(resumed)).as("final parameters").isEqualTo(bits(straight));
        for (String f : new String[]{"model.safetensors", "optimizer.safetensors", "trainer_state.json"}) {
            assertThat(Files.readAllBytes(b.resolve("step-00000006").resolve(f))).as(f)
                    .isEqualTo(Files.readAllBytes(a.resolve("step-00000006").resolve(f)));
        }
        assertThat(metricsWithoutTimes(b)).isEqualTo(metricsWithoutTimes(a));

        // The run trained something, and routed: the weights moved from their initial values, every loss was
        // finite, and the routing metrics were recorded.
        Decoder init = MomaModel.build(variant.config, ROUTERS);
        init.parameters().allocate(be, config().seed());
        assertThat(bits(straight)).isNotEqualTo(bits(init));
        List<TrainEvent.Step> steps = events.stream().filter(e -> e instanceof TrainEvent.Step)
                .map(e -> (TrainEvent.Step) e).toList();
        assertThat(steps).hasSize((int) STEPS);
        assertThat(steps).allSatisfy(s -> assertThat(s.loss()).isFinite());
        assertThat(steps.getLast().losses().terms()).extracting(t -> t.name()).contains("lm", "text", "image");
        String routed = variant == Variant.EXPERT_CHOICE ? "layers.1.ffn.routing.tokens.3" : "layers.0.depth.tokens.0";
        assertThat(steps.getLast().losses().metrics()).containsKey(routed);
    }
}
