package cowsim.cluster;

import java.util.List;

/**
 * One exploration of a cluster session, as it travels in every work item: what a worker needs to
 * build its scenario with no files (the resolved text, includes inlined; the scenario options;
 * then the profile, knobs and mistake of {@link cowsim.explore.Explorations.Origin}), the
 * schedule, and the stats to send back besides cycles and messages. A worker builds it once (per
 * {@link #id}) and keeps it in its {@link JobCache}.
 *
 * @param id unique in its session
 * @param profile null: the scenario as the options load it
 * @param knobs with {@code profile}: {@code withProfile(profile, knobs)}; null: {@code withProfile(profile)}
 * @param mistake the key of the kernel mistake switched on, or null
 * @param stats the keys of the stats each run's answer carries besides cycles and messages
 */
public record ClusterJob(String id, String scenarioText, String origin, List<String> scenarioArgs, String profile, List<String> knobs, String mistake,
    RunSummary.Spec spec, List<String> stats) implements ClusterMessage {}
