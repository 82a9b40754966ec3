package io.fusion4j.moma;

import io.fusion4j.api.nn.DecoderConfig;
import io.fusion4j.api.nn.ModelConfig;
import io.fusion4j.api.router.RouterSpec;

/**
 * A MoMa-family decoder (kind {@value #KIND}): the {@code base} decoder's trunk, with every feed-forward either dense
 * SwiGLU ({@code experts == 1}, no router) or {@code experts} SwiGLU experts of the base's hidden size behind
 * {@code router}, and optionally mixture-of-depths on some layers. One record covers dense, moe-8x, moma-{m}t{n}i, mod
 * and mod-moma variants (see {@link MomaVariants}); docs/model.md gives the math and parameter names.
 *
 * @param depth null, or which layers are depth-routed and by which router
 */
public record MomaConfig(DecoderConfig base, int experts, RouterSpec router, DepthSpec depth) implements ModelConfig {
    public static final String KIND = "moma";

    /**
     * Layers {@code first, first + every, …} are depth-routed by {@code router} (a router of one expert, {@code depth}
     * by default).
     */
    public record DepthSpec(int every, int first, RouterSpec router) {
        public DepthSpec {
            if (every < 1 || first < 0 || router == null) {
                throw new IllegalArgumentException("depth: 'every' must be >= 1, 'first' >= 0 and a router named;"
                        + " found every=" + every + " first=" + first + " router=" + router);
            }
        }

        public boolean routes(int layer) {
            return layer >= first && (layer - first) % every == 0;
        }
    }

    public MomaConfig {
        if (base == null) {
            throw new IllegalArgumentException("a moma config needs its base decoder ('base')");
        }
        if (experts < 1) {
            throw new IllegalArgumentException("moma config: 'experts' must be >= 1, found " + experts);
        }
        if (experts > 1 && router == null) {
            throw new IllegalArgumentException("moma config: " + experts + " experts need a 'router'");
        }
        if (experts == 1 && router != null) {
            throw new IllegalArgumentException("moma config: one expert is the dense feed-forward; remove 'router' ("
                    + router + ") or use more experts");
        }
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public int vocab() {
        return base.vocab();
    }

    @Override
    public MomaConfig withVocab(int v) {
        return new MomaConfig(base.withVocab(v), experts, router, depth);
    }

    /** A copy with another base (more layers for a FLOPs-matched MoD variant). */
    public MomaConfig withBase(DecoderConfig b) {
        return new MomaConfig(b, experts, router, depth);
    }
}
