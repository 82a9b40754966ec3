package io.fusion4j.eval.classify;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.data.Image;
import io.fusion4j.api.nn.ChannelNorm;
import io.fusion4j.api.nn.Conv2d;
import io.fusion4j.api.nn.Linear;
import io.fusion4j.api.nn.NhwcImages;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.StepArena;
import io.fusion4j.api.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The classifier network: {@code conv_in} (3×3) then per further width a stride-2 4×4 {@code down.{l}} conv, each
 * followed by a {@link ChannelNorm} and SiLU; the last map flattened (so the features keep where things are, which the
 * cell head needs) into the {@code features} layer (linear, bias, SiLU: the penultimate activations); then the linear
 * heads {@code multi} (sigmoid, when the task has one) and {@code classes} (softmax).
 */
final class ClassifierNet {
    private final ClassifierConfig config;
    private final Parameters params = new Parameters();
    private final List<Conv2d> convs = new ArrayList<>();
    private final List<ChannelNorm> norms = new ArrayList<>();
    private final Linear features;
    private final Linear multi;
    private final Linear classes;
    private final NhwcImages nhwc;

    /** What one forward pass gives: the penultimate features {@code [B, F]} and the heads' logits. */
    record Outputs(Var features, Var multi, Var classes) {
    }

    ClassifierNet(ClassifierConfig c) {
        this.config = c;
        List<Integer> w = c.widths();
        convs.add(new Conv2d(params, "conv_in", c.channels(), w.get(0), 3, 1, 1));
        norms.add(new ChannelNorm(params, "norm_in", w.get(0), c.normEps()));
        for (int l = 1; l < w.size(); l++) {
            convs.add(new Conv2d(params, "down." + (l - 1) + ".conv", w.get(l - 1), w.get(l), 4, 2, 1));
            norms.add(new ChannelNorm(params, "down." + (l - 1) + ".norm", w.get(l), c.normEps()));
        }
        int flat = c.grid() * c.grid() * w.getLast();
        features = linearWithBias("features", flat, c.features());
        multi = c.task().multiLabels() > 0 ? linearWithBias("multi", c.features(), c.task().multiLabels()) : null;
        classes = linearWithBias("classes", c.features(), c.task().classes());
        nhwc = new NhwcImages(c.channels(), c.side());
    }

    private Linear linearWithBias(String name, int in, int out) {
        Linear l = new Linear(params, name + ".weight", in, out, (float) (1 / Math.sqrt(in)));
        params.declare(name + ".bias", Shape.of(out), new Parameters.Init.Constant(0f), false);
        return l;
    }

    ClassifierConfig config() {
        return config;
    }

    Parameters parameters() {
        return params;
    }

    ClassifierNet allocate(Backend backend, long seed) {
        params.allocate(backend, seed);
        return this;
    }

    /** {@code images} as one NHWC tensor in {@code arena}; a grey network reads RGB images as their channel mean. */
    Tensor upload(Backend backend, StepArena arena, List<Image> images) {
        List<Image> fitted = new ArrayList<>(images.size());
        for (Image im : images) {
            fitted.add(config.channels() == 1 && im.channels() == 3 ? grey(im) : im);
        }
        return nhwc.upload(backend, arena, fitted);
    }

    private static Image grey(Image rgb) {
        int n = rgb.height() * rgb.width();
        float[] g = new float[n];
        float[] p = rgb.pixels();
        for (int i = 0; i < n; i++) {
            g[i] = Math.min(1f, (p[i] + p[n + i] + p[2 * n + i]) / 3f);
        }
        return new Image(1, rgb.height(), rgb.width(), g);
    }

    Outputs forward(Graph g, Tensor images) {
        Var h = g.constant(images);
        for (int l = 0; l < convs.size(); l++) {
            h = g.silu(norms.get(l).forward(g, convs.get(l).forward(g, h)));
        }
        long b = images.shape().dim(0);
        Var flat = g.reshape(h, Shape.of(b, h.value().numel() / b));
        Var f = g.silu(head(g, features, flat));
        return new Outputs(f, multi == null ? null : head(g, multi, f), head(g, classes, f));
    }

    private Var head(Graph g, Linear l, Var x) {
        String bias = l.name().substring(0, l.name().length() - ".weight".length()) + ".bias";
        return g.addRowBias(l.forward(g, x), g.param(params.get(bias)));
    }
}
