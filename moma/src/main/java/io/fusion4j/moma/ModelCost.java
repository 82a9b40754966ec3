package io.fusion4j.moma;

import io.fusion4j.api.nn.DecoderConfig;
import io.fusion4j.api.router.RouterOptions;
import io.fusion4j.api.router.RouterProvider;
import io.fusion4j.api.router.RouterSpec;
import io.fusion4j.api.router.Routers;
import io.fusion4j.moma.routing.ExpertChoiceProvider;
import io.fusion4j.moma.routing.ModalityProvider;
import io.fusion4j.moma.routing.TokenChoiceProvider;

/**
 * Size and cost of a {@link MomaConfig} at sequence length {@code T}: total parameters (all experts, embedding
 * included), active parameters per token ({@code N_active}: the matmul weights one token passes, LM head included,
 * embedding lookup excluded, routers included), and training FLOPs per token by moma.md §7 / PERF.md:
 * {@code 6·N_active + 12·T·d} per full-attention layer, a depth-routed layer's linear part times its capacity
 * {@code c_d} and its attention part times {@code c_d²} (its router runs on every token). Experts per token: expert
 * choice {@code c}, token choice {@code k}, a one-expert modality group 1; a router this class does not know counts
 * one expert per token (and {@link #assumed} says so). The kernels count what a step really does; this is the plan.
 */
public record ModelCost(long totalParams, double activeParams, double flopsPerToken, boolean assumed) {

    public static ModelCost of(MomaConfig c, int seqLen, Routers routers) {
        DecoderConfig b = c.base();
        double d = b.dim();
        double attn = 4 * d * d;
        double ffn = 3 * d * b.ffnHidden();
        double head = d * b.vocab();
        boolean[] assumed = {false};
        double perLayerFfn = c.experts() == 1 ? ffn : expertsPerToken(c.router(), c.experts(), routers, assumed) * ffn
                + routerWeights(c.router(), c.experts(), d, routers);
        double active = head;
        double attnFlops = 0;
        double t = seqLen;
        for (int i = 0; i < b.layers(); i++) {
            if (c.depth() != null && c.depth().routes(i)) {
                double cd = depthCapacity(c.depth().router(), routers, assumed);
                active += cd * (attn + perLayerFfn) + d;
                attnFlops += 12 * t * d * cd * cd;
            } else {
                active += attn + perLayerFfn;
                attnFlops += 12 * t * d;
            }
        }
        long total = MomaModel.build(c, routers).parameters().declaredCount();
        return new ModelCost(total, active, 6 * active + attnFlops, assumed[0]);
    }

    private static RouterOptions options(RouterSpec s, Routers routers) {
        RouterProvider p = routers.provider(s.name());
        return RouterOptions.check(s, p.options());
    }

    /** Average experts a token passes. */
    static double expertsPerToken(RouterSpec s, int experts, Routers routers, boolean[] assumed) {
        RouterOptions o = options(s, routers);
        return switch (s.name()) {
            case ExpertChoiceProvider.NAME -> o.number("capacity");
            case TokenChoiceProvider.NAME -> o.integer("k");
            case ModalityProvider.NAME -> {
                // Text and image tokens each pass their own group; assume a 1:1 mix when groups differ.
                int text = ModalityProvider.textExperts(o, experts);
                double a = text == 1 ? 1 : expertsPerToken(o.router("textRouter"), text, routers, assumed);
                double bb = experts - text == 1 ? 1 : expertsPerToken(o.router("imageRouter"), experts - text, routers,
                        assumed);
                yield (a + bb) / 2;
            }
            default -> {
                assumed[0] = true;
                yield 1;
            }
        };
    }

    /** Router weights a token passes: {@code d·E} for a flat router, its group's router under {@code modality}. */
    static double routerWeights(RouterSpec s, int experts, double d, Routers routers) {
        if (!s.name().equals(ModalityProvider.NAME)) {
            return d * experts;
        }
        RouterOptions o = options(s, routers);
        int text = ModalityProvider.textExperts(o, experts);
        double a = text == 1 ? 0 : d * text;
        double bb = experts - text == 1 ? 0 : d * (experts - text);
        return (a + bb) / 2;
    }

    static double depthCapacity(RouterSpec s, Routers routers, boolean[] assumed) {
        RouterOptions o = options(s, routers);
        if (o.values().get("capacity") instanceof Double cd) {
            return cd;
        }
        assumed[0] = true;
        return 1;
    }
}
