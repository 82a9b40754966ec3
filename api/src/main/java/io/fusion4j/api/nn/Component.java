package io.fusion4j.api.nn;

import java.util.List;

/**
 * A building block (named Component rather than Module, which would shadow java.lang.Module) that owns named parameters in a model's {@link io.fusion4j.api.autograd.Parameters}.
 * Names are hierarchical ({@code layers.3.attn.wq}) and are the checkpoint keys.
 */
public interface Component {
    /** This module's name, the prefix of its parameters. */
    String name();

    /** The full names of the parameters this module declared itself (not those of its children). */
    List<String> parameterNames();
}
