package io.fusion4j.moma.auxiliary;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.LossSink;
import io.fusion4j.api.autograd.LossValue;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.data.MixedBatch;
import io.fusion4j.api.nn.Decoder;
import io.fusion4j.api.nn.ForwardPass;
import io.fusion4j.api.nn.TokenMeta;
import io.fusion4j.api.optim.AdamW;
import io.fusion4j.api.router.RoutingMode;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.api.tensor.Tensor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trains a model's {@link AuxiliaryRouters} with the model frozen (MoMa §3.2, moma.md §10.10): each batch runs through
 * the model with batch routing in a graph that records no gradient (teacher forcing: later layers see the training
 * routing the labels come from), the routers' choices are tapped as labels, and each predictor takes the mean binary
 * cross-entropy over its rows and experts, one AdamW update over the predictors' own parameters. The model's weights
 * are never written.
 */
public final class AuxiliaryRouterTrainer {
    /** One router's quality over some batches: mean BCE and, per expert, the confusion of its predictions. */
    public record RouterQuality(String router, double bce, List<Confusion> experts) {
    }

    private final Decoder model;
    private final AuxiliaryRouters aux;
    private final Backend backend;
    private final AdamW optimizer;

    /** {@code model} and {@code aux} allocated on {@code backend}; {@code optimizer} over {@code aux.parameters()}. */
    public AuxiliaryRouterTrainer(Decoder model, AuxiliaryRouters aux, Backend backend, AdamW optimizer) {
        if (aux.isEmpty()) {
            throw new IllegalArgumentException("the model's routers are all causal: there are no auxiliary routers to"
                    + " train");
        }
        this.model = model;
        this.aux = aux;
        this.backend = backend;
        this.optimizer = optimizer;
    }

    /**
     * One update on {@code batch} (routed as one group, so give it the training micro-batch size for expert choice to
     * have the training capacity) at learning rate {@code lr}; returns the mean over routers of their mean BCE.
     */
    public double step(MixedBatch batch, double lr) {
        try (StepArena arena = backend.newArena()) {
            List<RoutingLabels.Decision> labels = label(arena, batch);
            backend.fill(aux.parameters().grads(), 0f);
            Graph g = new Graph(backend, arena, true);
            double sum = 0;
            for (RoutingLabels.Decision d : labels) {
                long n = (long) d.rows() * d.experts();
                if (n == 0) {
                    continue;
                }
                Var z = aux.logits(g, d.router(), g.constant(d.hidden()));
                sum += g.binaryCrossEntropy(z, upload(arena, d.labels(), d.rows(), d.experts()), 1f / n).sum() / n;
            }
            g.backward();
            optimizer.step(lr);
            return sum / labels.size();
        }
    }

    /** Each router's mean BCE and per-expert confusion over {@code batches}, without updating anything. */
    public List<RouterQuality> evaluate(List<MixedBatch> batches) {
        Map<String, double[]> bce = new LinkedHashMap<>();
        Map<String, long[][]> counts = new LinkedHashMap<>();
        for (AuxiliaryRouters.Slot s : aux.slots()) {
            bce.put(s.router(), new double[2]);
            counts.put(s.router(), new long[s.experts()][4]);
        }
        for (MixedBatch b : batches) {
            try (StepArena arena = backend.newArena()) {
                Graph g = new Graph(backend, arena, false);
                for (RoutingLabels.Decision d : label(arena, b)) {
                    if (d.rows() == 0) {
                        continue;
                    }
                    Var z = aux.logits(g, d.router(), g.constant(d.hidden()));
                    LossValue v = g.binaryCrossEntropy(z, upload(arena, d.labels(), d.rows(), d.experts()), 1f);
                    double[] acc = bce.get(d.router());
                    acc[0] += v.sum();
                    acc[1] += v.count();
                    float[] p = new float[d.labels().length];
                    backend.copyToHost(g.sigmoid(z).value(), p);
                    long[][] c = counts.get(d.router());
                    for (int e = 0; e < d.experts(); e++) {
                        Confusion x = Confusion.of(p, d.labels(), d.experts(), e);
                        c[e][0] += x.truePositives();
                        c[e][1] += x.falsePositives();
                        c[e][2] += x.falseNegatives();
                        c[e][3] += x.trueNegatives();
                    }
                }
            }
        }
        List<RouterQuality> out = new ArrayList<>();
        for (AuxiliaryRouters.Slot s : aux.slots()) {
            List<Confusion> experts = new ArrayList<>();
            for (long[] c : counts.get(s.router())) {
                experts.add(new Confusion(c[0], c[1], c[2], c[3]));
            }
            double[] acc = bce.get(s.router());
            out.add(new RouterQuality(s.router(), acc[1] == 0 ? 0 : acc[0] / acc[1], experts));
        }
        return out;
    }

    /** The frozen model's batch-routing choices on {@code batch}, with the hidden states each router saw. */
    private List<RoutingLabels.Decision> label(StepArena arena, MixedBatch batch) {
        Graph g = new Graph(backend, arena, false);
        RoutingLabels labels = new RoutingLabels(g);
        TokenMeta tokens = TokenMeta.upload(backend, arena, batch, false);
        model.logits(new ForwardPass(g, tokens, LossSink.NONE, null, RoutingMode.tapped(labels)));
        return labels.decisions();
    }

    private Tensor upload(StepArena arena, float[] labels, int rows, int experts) {
        Tensor t = arena.allocate(DType.F32, Shape.of(rows, experts));
        backend.copyFromHost(labels, t);
        return t;
    }
}
