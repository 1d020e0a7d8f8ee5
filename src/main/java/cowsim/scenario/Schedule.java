package cowsim.scenario;

import java.util.List;

/**
 * The schedule a scenario asks for in deterministic mode: the conductor's strategy (time order
 * by default) and, for PCT, its depth and step count. A bug that needs a particular schedule
 * carries the seed and strategy that show it; {@code run --strategy ...} overrides it.
 *
 * @param strategy time, random or pct
 * @param depth PCT depth, or null for the default
 * @param pctSteps PCT step count k, or null for the default
 */
public record Schedule(String strategy, Integer depth, Long pctSteps) {
  public static final List<String> STRATEGIES = List.of("time", "random", "pct");
  public static final Schedule TIME = new Schedule("time", null, null);

  public boolean isTime() {
    return strategy.equals("time");
  }
}
