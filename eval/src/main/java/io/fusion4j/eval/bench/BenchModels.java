package io.fusion4j.eval.bench;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.data.BatchSource;
import io.fusion4j.api.data.DataPosition;
import io.fusion4j.api.data.ImageSpan;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.data.Modality;
import io.fusion4j.api.nn.DecoderConfig;
import io.fusion4j.api.nn.ModelConfig;
import io.fusion4j.api.router.RouterSpec;
import io.fusion4j.api.router.Routers;
import io.fusion4j.eval.config.Presets;
import io.fusion4j.eval.config.RunConfig;
import io.fusion4j.moma.ModelCost;
import io.fusion4j.moma.MomaConfig;
import io.fusion4j.moma.routing.DepthProvider;
import io.fusion4j.moma.routing.ExpertChoiceProvider;
import io.fusion4j.moma.routing.ModalityProvider;
import io.fusion4j.transfusion.TransfusionConfig;

import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The models and synthetic data of {@code ../shared/bench/torch_train.py}, so {@code bench train --config NAME} and
 * {@code torch_train.py NAME} time the same computation: vocab 1024, d 256, 4 layers, 4 heads, SwiGLU 1024, untied
 * head, pre-norm, seq 256, batch 8, AdamW (the {@code dense} preset's settings), and
 * <ul>
 *   <li>{@code moe_ec}: 8 experts in every layer, softmax expert choice over the whole batch, capacity 1;</li>
 *   <li>{@code moma}: ids ≥ 512 are image tokens (the second half of each row), 4 + 4 experts, softmax expert choice
 *       inside each modality group;</li>
 *   <li>{@code mod}: layers 1 and 3 process the top 12.5% of each sequence (router d→1, delta × sigmoid);</li>
 *   <li>{@code transfusion}: the dense trunk as a {@link TransfusionConfig} (patches of 16 floats, 256 sinusoidal
 *       timestep features, cosine schedule over T = 1000, λ = 5, no noise limit: the script's images never open a
 *       document) on rows of 128 text ids then two images of 64 continuous patches, trained by the product's
 *       {@link io.fusion4j.transfusion.TransfusionObjective}.</li>
 * </ul>
 * Four fixed random batches are cycled, as the PyTorch script does. Other names are presets.
 */
public final class BenchModels {
    /** One benchmark model: its config, the run settings and its data. */
    public record Bench(String name, ModelConfig model, io.fusion4j.api.train.TrainConfig train,
                        BatchSource<MixedBatch> data) {
    }

    /** The Transfusion bench model's name, and torch_train.py's image layout: text part, patches per image, width. */
    public static final String TRANSFUSION = "transfusion";
    public static final int TEXT_POSITIONS = 128;
    public static final int PATCHES_PER_IMAGE = 64;
    public static final int PATCH_WIDTH = 16;
    static final int TIME_FEATURES = 256;

    private BenchModels() {
    }

    /**
     * The plan's training FLOPs per token, PERF.md's {@code 6·N_active + 12·L·T·d}. For {@code transfusion} it is
     * torch_train.py's count: half the tokens are text and pass the LM head, half are patches and pass the patch
     * encoder and decoder ({@code 2·16·d}); the timestep MLP runs once per image and is left out, as there. The
     * backend's counted figure differs: it also runs the LM head over the image positions (about 2.7% more).
     */
    public static double flopsPerToken(ModelConfig model, int seqLen, Routers routers) {
        if (model instanceof TransfusionConfig tf) {
            DecoderConfig b = tf.trunk().base();
            double text = (double) TEXT_POSITIONS / seqLen;
            double trunk = ModelCost.of(tf.trunk(), seqLen, routers).flopsPerToken();
            return trunk - 6 * (1 - text) * b.dim() * b.vocab() + 6 * (1 - text) * 2.0 * tf.patchWidth() * b.dim();
        }
        MomaConfig plan = model instanceof MomaConfig mc ? mc : new MomaConfig((DecoderConfig) model, 1, null, null);
        return ModelCost.of(plan, seqLen, routers).flopsPerToken();
    }

    /** The decoder a bench model's shapes come from (the trunk's, for Transfusion). */
    public static DecoderConfig base(ModelConfig model) {
        return switch (model) {
            case TransfusionConfig tf -> tf.trunk().base();
            case MomaConfig mc -> mc.base();
            default -> (DecoderConfig) model;
        };
    }

    public static List<String> names() {
        return List.of("dense", "moe_ec", "moma", "mod", "transfusion", "tiny");
    }

    public static Bench of(String name) {
        RunConfig dense = Presets.get("dense").config();
        DecoderConfig base = (DecoderConfig) dense.model();
        RouterSpec ec = RouterSpec.of(ExpertChoiceProvider.NAME, "scores", "softmax", "capacity", 1.0);
        ModelConfig m;
        boolean mixed = false;
        switch (name) {
            case "moe_ec" -> m = new MomaConfig(base, 8, ec, null);
            case "moma" -> {
                m = new MomaConfig(base, 8, RouterSpec.of(ModalityProvider.NAME, "text", 4, "textRouter", ec,
                        "imageRouter", ec), null);
                mixed = true;
            }
            case "mod" -> m = new MomaConfig(base, 1, null, new MomaConfig.DepthSpec(2, 1,
                    RouterSpec.of(DepthProvider.NAME, "capacity", 0.125)));
            case TRANSFUSION -> {
                TransfusionConfig tf = new TransfusionConfig(new MomaConfig(base, 1, null, null), PATCH_WIDTH,
                        TIME_FEATURES, 1000, 5.0, 1000);
                return new Bench(name, tf, dense.train(), transfusionBatches(base.vocab(), dense.train().batch(),
                        dense.train().seqLen()));
            }
            default -> {
                if (!Presets.all().containsKey(name)) {
                    throw new UserInputException("bench train --config: expected one of " + String.join(", ", names())
                            + " or a preset, found " + name);
                }
                RunConfig p = Presets.get(name).config();
                return new Bench(name, p.model(), p.train(), batches(p.model().vocab(), p.train().batch(),
                        p.train().seqLen(), false));
            }
        }
        return new Bench(name, m, dense.train(), batches(base.vocab(), dense.train().batch(), dense.train().seqLen(),
                mixed));
    }

    /**
     * Four fixed batches of random rows; {@code mixed}: the first half of each row text ids {@code < vocab/2}, the
     * second half image ids {@code >= vocab/2}. Targets are the next id in the row (the last position has none).
     */
    static BatchSource<MixedBatch> batches(int vocab, int rows, int length, boolean mixed) {
        int n = rows * length;
        return fixedBatches((r, position) -> {
            int[] ids = new int[n];
            byte[] mod = new byte[n];
            for (int i = 0; i < n; i++) {
                boolean image = mixed && i % length >= length / 2;
                ids[i] = image ? r.nextInt(vocab / 2, vocab) : r.nextInt(0, mixed ? vocab / 2 : vocab);
                mod[i] = (byte) (image ? Modality.IMAGE.ordinal() : Modality.TEXT.ordinal());
            }
            int[] targets = new int[n];
            byte[] tmod = new byte[n];
            for (int i = 0; i < n; i++) {
                boolean last = i % length == length - 1;
                targets[i] = last ? MixedBatch.IGNORE : ids[i + 1];
                tmod[i] = last ? mod[i] : mod[i + 1];
            }
            return new MixedBatch(rows, length, ids, targets, mod, tmod, fullRows(rows, length), new int[rows][0],
                    List.of(), null, 0, position);
        });
    }

    /** Makes one fixed batch from the shared random stream; {@code position} is the batch's own. */
    private interface FixedBatch {
        MixedBatch make(SplittableRandom r, DataPosition position);
    }

    /** Four batches made in turn from one stream seeded 1 (positions 1 to 4), cycled. */
    private static BatchSource<MixedBatch> fixedBatches(FixedBatch batch) {
        SplittableRandom r = new SplittableRandom(1);
        MixedBatch[] fixed = new MixedBatch[4];
        for (int k = 0; k < fixed.length; k++) {
            fixed[k] = batch.make(r, new DataPosition(0, k + 1));
        }
        return position -> Stream.iterate(position.index(), i -> i + 1).map(i -> fixed[(int) (i % fixed.length)]);
    }

    /** Every row valid to its full {@code length}. */
    private static int[] fullRows(int rows, int length) {
        int[] valid = new int[rows];
        java.util.Arrays.fill(valid, length);
        return valid;
    }

    /**
     * torch_train.py's Transfusion rows, four fixed batches: positions {@code [0, 128)} random text ids, each but the
     * last predicting the next (the script's {@code logits[:, :-1]} against {@code ids[:, 1:]} of the text part); then
     * two images of 64 patches ({@code [128, 192)}, {@code [192, 256)}) of 16 standard-normal floats, the clean x₀
     * (the objective draws t and ε each step). Image positions hold id 0, which the model's embedding ignores.
     */
    static BatchSource<MixedBatch> transfusionBatches(int vocab, int rows, int length) {
        if (length != TEXT_POSITIONS + 2 * PATCHES_PER_IMAGE) {
            throw new IllegalArgumentException("the transfusion bench rows are 256 long, found " + length);
        }
        int n = rows * length;
        return fixedBatches((r, position) -> {
            int[] ids = new int[n];
            byte[] mod = new byte[n];
            int[] targets = new int[n];
            java.util.Arrays.fill(targets, MixedBatch.IGNORE);
            List<ImageSpan> images = new java.util.ArrayList<>();
            for (int row = 0; row < rows; row++) {
                int o = row * length;
                for (int i = 0; i < TEXT_POSITIONS; i++) {
                    ids[o + i] = r.nextInt(vocab);
                }
                for (int i = 0; i < TEXT_POSITIONS - 1; i++) {
                    targets[o + i] = ids[o + i + 1];
                }
                for (int i = TEXT_POSITIONS; i < length; i++) {
                    mod[o + i] = (byte) Modality.IMAGE.ordinal();
                }
                for (int s = TEXT_POSITIONS; s < length; s += PATCHES_PER_IMAGE) {
                    images.add(new ImageSpan(row, s, s + PATCHES_PER_IMAGE));
                }
            }
            float[] x0 = new float[images.size() * PATCHES_PER_IMAGE * PATCH_WIDTH];
            for (int i = 0; i < x0.length; i++) {
                x0[i] = (float) gaussian(r);
            }
            return new MixedBatch(rows, length, ids, targets, mod, mod.clone(), fullRows(rows, length),
                    new int[rows][0], List.copyOf(images), x0, PATCH_WIDTH, position);
        });
    }

    /** A standard normal draw (Box–Muller), so the data does not depend on java.util.Random's algorithm. */
    private static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }
}
