package io.fusion4j.api.nn;

import io.fusion4j.api.autograd.Graph;
import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;

/** The output layer of a token model: the final RMSNorm {@code norm [dim]} and the untied projection {@code output [vocab, dim]}. */
public final class LmHead extends NamedComponent {
    private final RmsNorm norm;
    private final Linear output;

    public LmHead(Parameters params, DecoderConfig c) {
        super("");
        this.norm = new RmsNorm(params, "norm", c.dim(), c.normEps());
        this.output = new Linear(params, "output", c.dim(), c.vocab(), c.initStd());
    }

    /** Logits {@code [rows, vocab]} of the hidden states {@code h [rows, dim]}. */
    public Var forward(Graph g, Var h) {
        return output.forward(g, norm.forward(g, h));
    }
}
