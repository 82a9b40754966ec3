package io.fusion4j.api.router;

import io.fusion4j.api.autograd.Var;
import io.fusion4j.api.nn.ForwardPass;
import io.fusion4j.api.nn.TokenMeta;

/**
 * What a router routes: the hidden states {@code [n, dim]} of one routing group, the forward pass they belong to, and
 * {@code tokens}, the layout of those rows (modality, sequence, position) when they are a whole pass's tokens, or
 * null when they are one subset (a modality group handed to a sub-router). Routers that need the layout
 * ({@code modality}, {@code depth}) refuse a null one.
 */
public record RouterInput(ForwardPass pass, Var hidden, TokenMeta tokens) {
    public RouterInput {
        if (pass == null || hidden == null) {
            throw new IllegalArgumentException("a router input needs a forward pass and hidden states");
        }
        if (tokens != null && tokens.tokens() != hidden.value().dim(0)) {
            throw new IllegalArgumentException("router input: hidden has " + hidden.value().dim(0)
                    + " rows but the token layout describes " + tokens.tokens());
        }
    }

    /** Rows routed. */
    public long rows() {
        return hidden.value().dim(0);
    }
}
