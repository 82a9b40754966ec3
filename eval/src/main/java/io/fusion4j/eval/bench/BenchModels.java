package io.fusion4j.eval.bench;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.data.BatchSource;
import io.fusion4j.api.data.DataPosition;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.data.Modality;
import io.fusion4j.api.nn.DecoderConfig;
import io.fusion4j.api.nn.ModelConfig;
import io.fusion4j.api.router.RouterSpec;
import io.fusion4j.eval.config.Presets;
import io.fusion4j.eval.config.RunConfig;
import io.fusion4j.moma.MomaConfig;
import io.fusion4j.moma.routing.DepthProvider;
import io.fusion4j.moma.routing.ExpertChoiceProvider;
import io.fusion4j.moma.routing.ModalityProvider;

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
 *   <li>{@code mod}: layers 1 and 3 process the top 12.5% of each sequence (router d→1, delta × sigmoid).</li>
 * </ul>
 * Four fixed random batches are cycled, as the PyTorch script does. Other names are presets.
 */
public final class BenchModels {
    /** One benchmark model: its config, the run settings and its data. */
    public record Bench(String name, ModelConfig model, io.fusion4j.api.train.TrainConfig train,
                        BatchSource<MixedBatch> data) {
    }

    private BenchModels() {
    }

    public static List<String> names() {
        return List.of("dense", "moe_ec", "moma", "mod", "tiny");
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
        SplittableRandom r = new SplittableRandom(1);
        MixedBatch[] fixed = new MixedBatch[4];
        int n = rows * length;
        for (int k = 0; k < fixed.length; k++) {
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
            int[] valid = new int[rows];
            java.util.Arrays.fill(valid, length);
            fixed[k] = new MixedBatch(rows, length, ids, targets, mod, tmod, valid, new int[rows][0], List.of(), null, 0,
                    new DataPosition(0, k + 1));
        }
        return position -> Stream.iterate(position.index(), i -> i + 1).map(i -> fixed[(int) (i % fixed.length)]);
    }
}
