package io.fusion4j.eval.classify;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.LossSink;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;
import io.fusion4j.api.train.Objective;
import io.fusion4j.api.train.StepContext;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The classifier's loss: binary cross-entropy of the multi-label head ({@code multi}, a mean over its elements with
 * weight = the head's width, so each image's gradient is the sum over its labels) plus the softmax head's
 * cross-entropy ({@code classes}, a mean over images, weight 1).
 */
final class ClassifierObjective implements Objective<LabelledBatch> {
    static final String MULTI = "multi";
    static final String CLASSES = "classes";
    private final ClassifierNet net;

    ClassifierObjective(ClassifierNet net) {
        this.net = net;
    }

    @Override
    public Map<String, Long> counts(LabelledBatch batch) {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put(MULTI, (long) batch.multi().length);
        m.put(CLASSES, (long) batch.rows());
        return m;
    }

    @Override
    public void step(StepContext ctx, LabelledBatch micro) {
        Graph g = ctx.graph();
        Backend be = ctx.backend();
        LossSink losses = ctx.losses();
        ClassifierNet.Outputs out = net.forward(g, net.upload(be, g.arena(), micro.images()));
        int width = net.config().task().multiLabels();
        if (width > 0) {
            Tensor targets = g.arena().allocate(DType.F32, Shape.of(micro.rows(), width));
            be.copyFromHost(micro.multi(), targets);
            losses.loss(MULTI, width, g.binaryCrossEntropy(out.multi(), targets, losses.gradScale(MULTI, width)));
        }
        Tensor classes = g.arena().allocate(DType.I32, Shape.of(micro.rows()));
        be.copyFromHost(micro.classes(), classes);
        losses.loss(CLASSES, 1.0, g.crossEntropySum(out.classes(), classes, 0f, losses.gradScale(CLASSES, 1.0)));
    }
}
