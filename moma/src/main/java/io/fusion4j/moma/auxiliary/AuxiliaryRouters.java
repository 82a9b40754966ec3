package io.fusion4j.moma.auxiliary;

import io.fusion4j.api.UserInputException;
import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.nn.Block;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.nn.TransformerBlock;
import io.fusion4j.api.router.CausalRouting;
import io.fusion4j.api.router.Router;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;
import io.fusion4j.moma.DepthRoutedBlock;
import io.fusion4j.moma.ExpertFeedForward;
import io.fusion4j.moma.routing.DepthRouter;
import io.fusion4j.moma.routing.ExpertChoiceRouter;
import io.fusion4j.moma.routing.ModalityRouter;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * MoMa's auxiliary routers (§3.2): for every expert-choice and depth router of a model, a per-token predictor of its
 * batch decisions, {@code a(x) = sigmoid(silu(x W1ᵀ) W2ᵀ)} with {@code W1 [d/2, d]}, {@code W2 [E, d/2]}, no biases,
 * named {@code <router>.aux.w1}, {@code .aux.w2}. They live in their own {@link Parameters}, so the main model's
 * parameters and checkpoints stay as they are and training these never touches it. As a {@link CausalRouting} they
 * make the model's routing causal (docs/model.md, "Auxiliary routers").
 */
public final class AuxiliaryRouters implements CausalRouting {
    /** One predictor: the main router it stands in for (its parameter name) and that router's expert count. */
    public record Slot(String router, int experts) {
    }

    private final Parameters params = new Parameters();
    private final List<Slot> slots;
    private final Map<String, Slot> byRouter = new LinkedHashMap<>();
    private final int hidden;

    /** Declares a predictor for each slot: inputs of width {@code dim}, initialised N(0, {@code initStd}). */
    public AuxiliaryRouters(List<Slot> slots, int dim, float initStd) {
        this.slots = List.copyOf(slots);
        this.hidden = Math.max(1, dim / 2);
        for (Slot s : this.slots) {
            if (byRouter.put(s.router(), s) != null) {
                throw new IllegalArgumentException("two auxiliary routers for router '" + s.router() + "'");
            }
            params.declare(w1(s.router()), Shape.of(hidden, dim), new Parameters.Init.Normal(initStd), true);
            params.declare(w2(s.router()), Shape.of(s.experts(), hidden), new Parameters.Init.Normal(initStd), true);
        }
    }

    /** The predictors {@code model} needs (none for a model whose routers are all causal), declared, not allocated. */
    public static AuxiliaryRouters of(Decoder model) {
        return new AuxiliaryRouters(slots(model), model.config().dim(), model.config().initStd());
    }

    /**
     * The routers of {@code model} that rank tokens against each other, layer by layer (a layer's feed-forward router,
     * then its depth router; a modality router's groups in order).
     */
    public static List<Slot> slots(Decoder model) {
        List<Slot> out = new ArrayList<>();
        for (Block b : model.trunk().blocks()) {
            Router depth = null;
            if (b instanceof DepthRoutedBlock d) {
                depth = d.router();
                b = d.inner();
            }
            if (b instanceof TransformerBlock t && t.feedForward() instanceof ExpertFeedForward f) {
                collect(f.router(), out);
            }
            if (depth != null) {
                collect(depth, out);
            }
        }
        return out;
    }

    private static void collect(Router r, List<Slot> out) {
        if (r instanceof ModalityRouter m) {
            for (Router sub : m.subRouters()) {
                collect(sub, out);
            }
        } else if (r instanceof ExpertChoiceRouter || r instanceof DepthRouter) {
            out.add(new Slot(r.name(), r.experts()));
        } else if (!r.causal()) {
            throw new UserInputException("router '" + r.name() + "' (" + r.getClass().getSimpleName() + ") is not causal"
                    + " and has no auxiliary form; only expert-choice and depth routers can be made causal");
        }
    }

    public static String w1(String router) {
        return router + ".aux.w1";
    }

    public static String w2(String router) {
        return router + ".aux.w2";
    }

    public Parameters parameters() {
        return params;
    }

    public List<Slot> slots() {
        return slots;
    }

    /** True when the model needs no predictor (its routing is causal as trained). */
    public boolean isEmpty() {
        return slots.isEmpty();
    }

    /** The predictor's logits {@code [n, E]} (before the sigmoid) for the rows {@code hidden [n, dim]}. */
    public Var logits(Graph g, String router, Var hidden) {
        if (!byRouter.containsKey(router)) {
            throw new IllegalStateException("no auxiliary router for router '" + router + "'; these are for "
                    + byRouter.keySet());
        }
        Var h = g.linear(hidden, g.param(params.get(w1(router))));
        return g.linear(silu(g, h), g.param(params.get(w2(router))));
    }

    @Override
    public Var probabilities(Graph g, String router, Var hidden) {
        return g.sigmoid(logits(g, router, hidden));
    }

    /** {@code x · sigmoid(x)}, element-wise, with its backward. */
    private static Var silu(Graph g, Var x) {
        Tensor y = g.arena().allocate(io.fusion4j.api.tensor.DType.F32, x.value().shape());
        g.backend().silu(x.value(), y);
        return g.op(y, (dy, grads) -> grads.accumulate(x, dx -> g.backend().siluBackward(x.value(), dy, dx)), x);
    }
}
