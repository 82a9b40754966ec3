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

    /**
     * One parameter: name, views into the flat buffers, whether weight decay applies to it, and whether it is
     * trained ({@code false} once {@link #freeze frozen}: no gradient, no update).
     */
    public record Parameter(String name, Shape shape, long offset, Tensor value, Tensor grad, boolean decay,
                            boolean trainable) {
        Parameter withTrainable(boolean t) {
            return new Parameter(name, shape, offset, value, grad, decay, t);
        }
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
            params.put(e.getKey(), new Parameter(e.getKey(), d.shape(), off, v, g, d.decay(), true));
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

    /**
     * Freezes every parameter whose name {@code which} accepts and returns how many it froze: a frozen parameter
     * enters a graph as a constant, so it takes no gradient, costs no backward work and is not updated (an
     * auxiliary router trained against a frozen model; a pre-trained image autoencoder). Modules read their
     * parameters through {@link #get} at each forward, so freezing takes effect from the next step.
     */
    public int freeze(java.util.function.Predicate<String> which) {
        return setTrainable(which, false);
    }

    /** Makes the parameters {@code which} accepts trainable again; returns how many changed. */
    public int unfreeze(java.util.function.Predicate<String> which) {
        return setTrainable(which, true);
    }

    private int setTrainable(java.util.function.Predicate<String> which, boolean t) {
        if (values == null) {
            throw new IllegalStateException("allocate the parameters before freezing or unfreezing them");
        }
        int n = 0;
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            if (which.test(e.getKey()) && e.getValue().trainable() != t) {
                e.setValue(e.getValue().withTrainable(t));
                n++;
            }
        }
        return n;
    }

    /**
     * One parameter of shape {@code [names.length, ...shape]} over parameters declared one right after another with
     * equal shapes: experts {@code ...experts.text.0.w1}, {@code .1.w1}, ... seen as one {@code [E, out, in]} weight for
     * {@link Graph#groupedLinear}. It is a view: its value and gradient are the experts' own, each keeps its
     * checkpoint key. Trainable when all of them are.
     */
    public Parameter stack(String... names) {
        if (names.length == 0) {
            throw new IllegalArgumentException("stack: name at least one parameter");
        }
        Parameter first = get(names[0]);
        long per = first.shape().numel();
        boolean trainable = true;
        for (int i = 0; i < names.length; i++) {
            Parameter p = get(names[i]);
            if (!p.shape().equals(first.shape()) || p.offset() != first.offset() + i * per) {
                throw new IllegalArgumentException("stack: '" + names[i] + "' must have shape " + first.shape()
                        + " and be declared right after '" + names[Math.max(0, i - 1)] + "'; found shape " + p.shape()
                        + " at offset " + p.offset());
            }
            trainable &= p.trainable();
        }
        long[] dims = new long[first.shape().rank() + 1];
        dims[0] = names.length;
        for (int d = 0; d < first.shape().rank(); d++) {
            dims[d + 1] = first.shape().dim(d);
        }
        Shape shape = Shape.of(dims);
        long off = first.offset();
        long n = per * names.length;
        return new Parameter(names[0] + ".." + names[names.length - 1], shape, off,
                values.slice(off, off + n).reshape(shape), grads.slice(off, off + n).reshape(shape), first.decay(),
                trainable);
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

    /** Elements declared so far (allocated or not): a model's size before it takes any memory. */
    public long declaredCount() {
        long n = 0;
        for (Declared d : declared.values()) {
            n += d.shape().numel();
        }
        return n;
    }

    /** Total number of parameter elements. */
    public long count() {
        return values == null ? 0 : values.numel();
    }
}
