package io.fusion4j.api.nn;

import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;

/** The input layer of a token model: the embedding table {@code tok_embeddings [vocab, dim]} looked up by the ids. */
public final class TokenEmbedding extends NamedComponent {
    private final Embedding table;

    public TokenEmbedding(Parameters params, DecoderConfig c) {
        super("tok_embeddings");
        this.table = new Embedding(params, "tok_embeddings", c.vocab(), c.dim(), c.initStd());
    }

    /** {@code [B·T, dim]} for the pass's ids. */
    public Var forward(ForwardPass pass) {
        return table.forward(pass.graph(), pass.tokens().ids());
    }
}
