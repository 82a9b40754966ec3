package io.fusion4j.api.autograd;

import io.fusion4j.api.backend.Backend;
import io.fusion4j.api.tensor.DType;
import io.fusion4j.api.tensor.Shape;
import io.fusion4j.api.tensor.Tensor;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every trainable tensor of a model, by hierarchical name ({@code layers.3.attn.wq}), packed into one
 * flat F32 buffer of values and one of gradients: one optimizer loop, one zero-fill and one file write
 * cover them all. Declare with {@link #declare}, then {@link #allocate}.
 */
public final class Parameters {
    /** How a parameter starts: normal with a standard deviation, or a constant. */
    public sealed interface Init {
        record Normal(float std) implements Init {
        }

        record Constant(float value) implements Init {
        }
    }

    /** One parameter: name, views into the flat buffers, and whether weight decay applies to it. */
    public record Parameter(String name, Shape shape, long offset, Tensor value, Tensor grad, boolean decay) {
    }

    private record Declared(Shape shape, Init init, boolean decay) {
    }

    private final Map<String, Declared> declared = new LinkedHashMap<>();
    private final Map<String, Parameter> params = new LinkedHashMap<>();
    private Tensor values;
    private Tensor grads;

    /** Declares a parameter; {@code decay} marks the matrices that get weight decay. */
    public void declare(String name, Shape shape, Init init, boolean decay) {
        if (values != null) {
            throw new IllegalStateException("parameters are already allocated; declare '" + name + "' earlier");
        }
        if (declared.putIfAbsent(name, new Declared(shape, init, decay)) != null) {
            throw new IllegalArgumentException("parameter '" + name + "' is declared twice");
        }
    }

    /** Allocates both flat buffers on {@code backend} and initialises values from Philox with {@code seed}. */
    public void allocate(Backend backend, long seed) {
        long total = 0;
        for (Declared d : declared.values()) {
            total += d.shape().numel();
        }
        values = backend.allocate(DType.F32, Shape.of(total));
        grads = backend.allocate(DType.F32, Shape.of(total));
        long off = 0;
        for (Map.Entry<String, Declared> e : declared.entrySet()) {
            Declared d = e.getValue();
            long n = d.shape().numel();
            Tensor v = values.slice(off, off + n).reshape(d.shape());
            Tensor g = grads.slice(off, off + n).reshape(d.shape());
            switch (d.init()) {
                case Init.Normal(float std) -> {
                    backend.randomNormal(v, seed, off);
                    backend.scale(v, std, v);
                }
                case Init.Constant(float c) -> backend.fill(v, c);
            }
            params.put(e.getKey(), new Parameter(e.getKey(), d.shape(), off, v, g, d.decay()));
            off += n;
        }
    }

    public Parameter get(String name) {
        Parameter p = params.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no parameter named '" + name + "'");
        }
        return p;
    }

    /** Parameters in declaration order. */
    public Map<String, Parameter> all() {
        return Collections.unmodifiableMap(params);
    }

    /** The flat value buffer. */
    public Tensor values() {
        return values;
    }

    /** The flat gradient buffer. */
    public Tensor grads() {
        return grads;
    }

    /** Total number of parameter elements. */
    public long count() {
        return values == null ? 0 : values.numel();
    }
}
