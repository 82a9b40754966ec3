package io.fusion4j.moma;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.nn.DecoderConfig;
import io.fusion4j.api.router.RouterSpec;
import io.fusion4j.api.router.Routers;
import io.fusion4j.moma.routing.DepthProvider;
import io.fusion4j.moma.routing.ExpertChoiceProvider;
import io.fusion4j.moma.routing.ModalityProvider;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The variants MoMa compares, built from one dense decoder at equal active FLOPs per token (moma.md §1.2, §2.1, §11):
 * <ul>
 *   <li>{@code dense}: the base decoder.</li>
 *   <li>{@code moe-8x}: 8 experts shared by both modalities, sigmoid expert choice, capacity 1.</li>
 *   <li>{@code moma-1t1i}: one FFN per modality, no router, no gate (§10.3).</li>
 *   <li>{@code moma-{m}t{n}i}: m text and n image experts, sigmoid expert choice inside each group.</li>
 *   <li>{@code mod}: mixture-of-depths on layers 0, 2, 4, … at capacity 25%, with layers added until the FLOPs per token
 *       are closest to the dense model's.</li>
 *   <li>{@code mod-moma-{m}t{n}i}: both.</li>
 * </ul>
 * Every expert is a full copy of the dense FFN, so sparsity adds parameters, not FLOPs.
 */
public final class MomaVariants {
    private static final Pattern MOMA = Pattern.compile("(mod-)?moma-(\\d+)t(\\d+)i");
    public static final double MOD_CAPACITY = 0.25;

    private MomaVariants() {
    }

    /** The variant names {@link #of} knows, as patterns. */
    public static List<String> names() {
        return List.of("dense", "moe-8x", "moma-{m}t{n}i", "mod", "mod-moma-{m}t{n}i");
    }

    /** Variant {@code name} of {@code dense} at sequence length {@code seqLen} (which the MoD layer count depends on). */
    public static MomaConfig of(String name, DecoderConfig dense, int seqLen, Routers routers) {
        Matcher m = MOMA.matcher(name);
        MomaConfig c;
        boolean mod;
        if (name.equals("dense")) {
            return new MomaConfig(dense, 1, null, null);
        } else if (name.equals("moe-8x")) {
            return new MomaConfig(dense, 8, RouterSpec.of(ExpertChoiceProvider.NAME), null);
        } else if (name.equals("mod")) {
            c = new MomaConfig(dense, 1, null, depth());
            mod = true;
        } else if (m.matches()) {
            int t = Integer.parseInt(m.group(2));
            int i = Integer.parseInt(m.group(3));
            if (t < 1 || i < 1 || t + i > 256) {
                throw new UserInputException("variant " + name + ": expected at least one text and one image expert"
                        + " and at most 256 in all");
            }
            c = new MomaConfig(dense, t + i, RouterSpec.of(ModalityProvider.NAME, "text", t), null);
            mod = m.group(1) != null;
            if (mod) {
                c = new MomaConfig(dense, t + i, c.router(), depth());
            }
        } else {
            throw new UserInputException("variant: expected one of " + String.join(", ", names()) + ", found " + name);
        }
        return mod ? matchLayers(c, dense, seqLen, routers) : c;
    }

    private static MomaConfig.DepthSpec depth() {
        return new MomaConfig.DepthSpec(2, 0, RouterSpec.of(DepthProvider.NAME, "capacity", MOD_CAPACITY));
    }

    /** The layer count whose FLOPs per token are closest to the dense model's (ties to fewer layers). */
    static MomaConfig matchLayers(MomaConfig c, DecoderConfig dense, int seqLen, Routers routers) {
        double target = ModelCost.of(new MomaConfig(dense, 1, null, null), seqLen, routers).flopsPerToken();
        MomaConfig best = c;
        double bestGap = Double.MAX_VALUE;
        for (int layers = dense.layers(); layers <= 4 * dense.layers() + 4; layers++) {
            MomaConfig x = c.withBase(withLayers(dense, layers));
            double gap = Math.abs(ModelCost.of(x, seqLen, routers).flopsPerToken() - target);
            if (gap < bestGap) {
                best = x;
                bestGap = gap;
            }
        }
        return best;
    }

    static DecoderConfig withLayers(DecoderConfig d, int layers) {
        return new DecoderConfig(d.vocab(), d.dim(), layers, d.heads(), d.ffnHidden(), d.ropeTheta(), d.normEps(),
                d.norm(), d.qkNorm(), d.zLoss(), d.initStd());
    }
}
