package io.fusion4j.api.router;

import io.fusion4j.api.UserInputException;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A router's options after {@link #check}: every name is one the provider declared, every value has the declared
 * type, and absent options take their defaults. Routers read them with the typed getters.
 */
public final class RouterOptions {
    private final String router;
    private final Map<String, Object> values;

    private RouterOptions(String router, Map<String, Object> values) {
        this.router = router;
        this.values = values;
    }

    /**
     * Checks {@code spec}'s options against {@code declared}.
     *
     * @throws UserInputException naming the router, the option, what was expected and what was found, and listing the
     *                            options that exist
     */
    public static RouterOptions check(RouterSpec spec, List<RouterOption> declared) {
        Map<String, RouterOption> byName = new LinkedHashMap<>();
        for (RouterOption o : declared) {
            byName.put(o.name(), o);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : spec.options().entrySet()) {
            RouterOption o = byName.get(e.getKey());
            if (o == null) {
                throw new UserInputException("router '" + spec.name() + "' has no option '" + e.getKey()
                        + "'; its options: " + list(declared));
            }
            out.put(o.name(), convert(spec.name(), o, e.getValue()));
        }
        for (RouterOption o : declared) {
            if (!out.containsKey(o.name())) {
                if (o.defaultValue() == null) {
                    throw new UserInputException("router '" + spec.name() + "' needs option '" + o.name() + "' ("
                            + o.describe() + ")");
                }
                out.put(o.name(), o.defaultValue());
            }
        }
        return new RouterOptions(spec.name(), out);
    }

    static String list(List<RouterOption> declared) {
        return declared.isEmpty() ? "(none)" : declared.stream().map(RouterOption::describe)
                .collect(Collectors.joining("; "));
    }

    private static Object convert(String router, RouterOption o, Object v) {
        String where = "router '" + router + "' option '" + o.name() + "'";
        switch (o.type()) {
            case NUMBER -> {
                if (v instanceof Number n && Double.isFinite(n.doubleValue())) {
                    return n.doubleValue();
                }
                throw new UserInputException(where + " must be a finite number, found " + show(v));
            }
            case INTEGER -> {
                if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())
                        && Math.abs(n.doubleValue()) < Integer.MAX_VALUE) {
                    return n.intValue();
                }
                throw new UserInputException(where + " must be an integer, found " + show(v));
            }
            case BOOLEAN -> {
                if (v instanceof Boolean b) {
                    return b;
                }
                throw new UserInputException(where + " must be true or false, found " + show(v));
            }
            case CHOICE -> {
                if (v instanceof String s && o.choices().contains(s)) {
                    return s;
                }
                throw new UserInputException(where + " must be one of " + o.choices() + ", found " + show(v));
            }
            case ROUTER -> {
                if (v instanceof RouterSpec s) {
                    return s;
                }
                if (v instanceof String s && !s.isBlank()) {
                    return RouterSpec.of(s);
                }
                if (v instanceof Map<?, ?> m && m.get("name") instanceof String n) {
                    Object opts = m.get("options");
                    if (m.keySet().stream().anyMatch(k -> !"name".equals(k) && !"options".equals(k))
                            || (opts != null && !(opts instanceof Map))) {
                        throw new UserInputException(where + " must be {\"name\": …, \"options\": {…}}, found " + v);
                    }
                    Map<String, Object> om = new LinkedHashMap<>();
                    if (opts != null) {
                        ((Map<?, ?>) opts).forEach((k, x) -> om.put(String.valueOf(k), x));
                    }
                    return new RouterSpec(n, om);
                }
                throw new UserInputException(where + " must name a router (a string or {\"name\": …}), found " + show(v));
            }
            default -> throw new AssertionError(o.type());
        }
    }

    private static String show(Object v) {
        return v == null ? "null" : v instanceof String s ? "\"" + s + "\"" : v + " (" + v.getClass().getSimpleName() + ")";
    }

    public String router() {
        return router;
    }

    public double number(String name) {
        return (Double) get(name);
    }

    public int integer(String name) {
        return (Integer) get(name);
    }

    public boolean bool(String name) {
        return (Boolean) get(name);
    }

    public String choice(String name) {
        return (String) get(name);
    }

    public RouterSpec router(String name) {
        return (RouterSpec) get(name);
    }

    /** Every option with its value, defaults filled in. */
    public Map<String, Object> values() {
        return java.util.Collections.unmodifiableMap(values);
    }

    private Object get(String name) {
        if (!values.containsKey(name)) {
            throw new IllegalArgumentException("router '" + router + "' declared no option '" + name + "'");
        }
        return values.get(name);
    }
}
