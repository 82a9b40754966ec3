package io.fusion4j.api.nn;

import io.fusion4j.api.autograd.Parameters;
import io.fusion4j.api.autograd.Var;

import java.util.ArrayList;
import java.util.List;

/**
 * The layers between a model's input and output: {@code config.layers()} blocks named {@code layers.i}, each built by
 * a {@link BlockFactory} around the feed-forward a {@link FeedForwardFactory} chose for that layer. Token models
 * and patch models share it; only their input and output layers differ.
 */
public final class Trunk {
    private final List<Block> blocks = new ArrayList<>();

    public Trunk(Parameters params, DecoderConfig c, FeedForwardFactory ffn, BlockFactory block) {
        for (int i = 0; i < c.layers(); i++) {
            String p = "layers." + i;
            blocks.add(block.create(params, p, i, c, ffn.create(params, p + ".ffn", i, c)));
        }
    }

    public List<Block> blocks() {
        return List.copyOf(blocks);
    }

    public Var forward(ForwardPass pass, Var x) {
        for (Block b : blocks) {
            x = b.forward(pass, x);
        }
        return x;
    }

    /** One position through every block with the KV cache (each layer uses and extends its own entries). */
    public Var decode(ForwardPass pass, Var x, KvCache cache) {
        for (int i = 0; i < blocks.size(); i++) {
            x = blocks.get(i).decode(pass, x, cache, i);
        }
        return x;
    }
}
