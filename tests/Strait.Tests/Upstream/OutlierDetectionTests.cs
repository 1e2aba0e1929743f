using Strait.Upstream;
using Strait.Wire;

namespace Strait.Tests.Upstream;

public sealed class OutlierDetectionTests
{
    [Fact]
    public async Task Consecutive_failures_eject_an_endpoint_and_it_returns_after_the_ejection_time()
    {
        var time = new ManualTime();
        await using var cluster = TestClusters.Create(TestClusters.Options(3), time);
        var failing = TestClusters.EndpointOn(cluster, 1);

        for (var i = 0; i < 4; i++)
        {
            Complete(cluster, failing, TestClusters.Unavailable);
        }

        Assert.Equal(3, cluster.UsableCount);
        Complete(cluster, failing, TestClusters.Unavailable);
        Assert.Equal(2, cluster.UsableCount);
        Assert.DoesNotContain(1, TestClusters.Spread(cluster, 30).Keys);

        AssertReturnsAfter(cluster, time, TimeSpan.FromSeconds(30), usableWhileEjected: 2);
    }

    [Fact]
    public async Task A_success_breaks_the_failure_streak()
    {
        await using var cluster = TestClusters.Create(TestClusters.Options(3));
        var endpoint = TestClusters.EndpointOn(cluster, 1);
        for (var i = 0; i < 20; i++)
        {
            Complete(cluster, endpoint, i % 4 == 3 ? GrpcStatus.Ok : TestClusters.Unavailable);
        }

        Assert.Equal(3, cluster.UsableCount);
    }

    [Theory]
    [InlineData(GrpcStatusCode.NotFound, StatusOrigin.Backend, false)]
    [InlineData(GrpcStatusCode.InvalidArgument, StatusOrigin.Backend, false)]
    [InlineData(GrpcStatusCode.DeadlineExceeded, StatusOrigin.Local, false)]
    [InlineData(GrpcStatusCode.Cancelled, StatusOrigin.Local, false)]
    [InlineData(GrpcStatusCode.Unavailable, StatusOrigin.Backend, true)]
    [InlineData(GrpcStatusCode.Internal, StatusOrigin.Backend, true)]
    [InlineData(GrpcStatusCode.Internal, StatusOrigin.Protocol, true)]
    [InlineData(GrpcStatusCode.Unavailable, StatusOrigin.Transport, true)]
    [InlineData(GrpcStatusCode.ResourceExhausted, StatusOrigin.Protocol, false)] // a reply over Strait's size limit
    public async Task Only_failures_of_the_endpoint_count(object codeValue, object originValue, bool ejects)
    {
        var code = (GrpcStatusCode)codeValue;
        var origin = (StatusOrigin)originValue;
        await using var cluster = TestClusters.Create(TestClusters.Options(2));
        var endpoint = TestClusters.EndpointOn(cluster, 1);
        for (var i = 0; i < 5; i++)
        {
            Complete(cluster, endpoint, new GrpcStatus(code, "x", origin: origin));
        }

        Assert.Equal(ejects ? 1 : 2, cluster.UsableCount);
    }

    [Fact]
    public async Task At_most_max_ejection_percent_is_ejected_but_always_one()
    {
        await using var five = TestClusters.Create(TestClusters.Options(5));
        foreach (var endpoint in five.Endpoints)
        {
            FailFiveTimes(five, endpoint);
        }

        Assert.Equal(3, five.UsableCount);

        await using var one = TestClusters.Create(TestClusters.Options(1));
        FailFiveTimes(one, one.Endpoints[0]);
        // Its only endpoint ejected, the cluster panics and still sends calls there rather than failing them all.
        Assert.True(one.IsInPanic);
        Assert.Equal(1, one.UsableCount);
    }

    [Fact]
    public async Task Repeated_ejections_last_longer_and_the_penalty_decays()
    {
        var time = new ManualTime();
        var options = TestClusters.Options(3);
        await using var cluster = TestClusters.Create(options, time);
        var endpoint = TestClusters.EndpointOn(cluster, 1);

        FailFiveTimes(cluster, endpoint);
        time.Advance(TimeSpan.FromSeconds(30));
        cluster.Housekeep();
        FailFiveTimes(cluster, endpoint);
        AssertReturnsAfter(cluster, time, TimeSpan.FromSeconds(60), usableWhileEjected: 2);

        // A whole review interval in rotation takes one step off: the third ejection lasts 60 s again, not 90 s.
        time.Advance(TimeSpan.FromSeconds(31));
        cluster.Housekeep();
        FailFiveTimes(cluster, endpoint);
        AssertReturnsAfter(cluster, time, TimeSpan.FromSeconds(60), usableWhileEjected: 2);
    }

    [Fact]
    public async Task Success_rate_ejection_removes_the_endpoint_far_below_the_mean()
    {
        var time = new ManualTime();
        var options = TestClusters.Options(5);
        options.OutlierDetection.SuccessRate.Enabled = true;
        options.OutlierDetection.ConsecutiveErrors = 1000;
        await using var cluster = TestClusters.Create(options, time);
        cluster.Housekeep(); // the first review starts the first interval

        for (var i = 0; i < 1000; i++)
        {
            var endpoint = cluster.Endpoints[i % 5];
            var failing = endpoint.Key.Address.Port == 3 && i % 2 == 0;
            Complete(cluster, endpoint, failing ? TestClusters.Unavailable : GrpcStatus.Ok);
        }

        time.Advance(TimeSpan.FromSeconds(30));
        cluster.Housekeep();

        Assert.Equal(4, cluster.UsableCount);
        Assert.DoesNotContain(3, TestClusters.Spread(cluster, 20).Keys);
    }

    [Fact]
    public async Task Disabled_outlier_detection_never_ejects()
    {
        var options = TestClusters.Options(2);
        options.OutlierDetection.Enabled = false;
        await using var cluster = TestClusters.Create(options);
        FailFiveTimes(cluster, TestClusters.EndpointOn(cluster, 1));
        Assert.Equal(2, cluster.UsableCount);
    }

    /// <summary>The ejected endpoint is still out a second before its ejection ends, and back at its end.</summary>
    [Fact]
    public async Task A_returning_endpoint_is_half_open_one_failed_probe_ejects_it_again_and_a_good_one_closes_it()
    {
        var time = new ManualTime();
        await using var cluster = TestClusters.Create(TestClusters.Options(2), time);
        var endpoint = TestClusters.EndpointOn(cluster, 1);
        FailFiveTimes(cluster, endpoint);
        Assert.Equal(1, cluster.UsableCount);

        time.Advance(TimeSpan.FromSeconds(30));
        cluster.Housekeep();
        Assert.True(endpoint.IsHalfOpen);
        Assert.Equal("half-open", ClusterStatusWriter.StateOf(endpoint, time.GetUtcNow().UtcDateTime));

        // One probe at a time: while it is out, every other call goes to the other endpoint.
        var probe = PickOn(cluster, endpoint);
        Assert.True(probe.IsProbe);
        Assert.DoesNotContain(1, TestClusters.Spread(cluster, 20).Keys);

        probe.Complete(TestClusters.Unavailable);
        Assert.Equal(1, cluster.UsableCount);
        Assert.Contains("probe", endpoint.EjectionReason, StringComparison.Ordinal);

        // The second ejection lasts twice as long; then a successful probe closes the circuit.
        time.Advance(TimeSpan.FromSeconds(59));
        cluster.Housekeep();
        Assert.Equal(1, cluster.UsableCount);
        time.Advance(TimeSpan.FromSeconds(1));
        cluster.Housekeep();
        var good = PickOn(cluster, endpoint);
        Assert.True(good.IsProbe);
        good.Complete(GrpcStatus.Ok);
        Assert.False(endpoint.IsHalfOpen);
        var held = PickOn(cluster, endpoint);
        Assert.False(held.IsProbe);
        Assert.Contains(1, TestClusters.Spread(cluster, 20).Keys);
        held.Complete(GrpcStatus.Ok);
    }

    [Theory]
    [InlineData("least_request")]
    [InlineData("pick_first")]
    public async Task While_a_probe_is_out_other_calls_go_to_the_other_endpoints_whatever_the_policy(string policy)
    {
        var time = new ManualTime();
        await using var cluster = TestClusters.Create(TestClusters.Options(2, policy), time);
        var endpoint = TestClusters.EndpointOn(cluster, 1);
        FailFiveTimes(cluster, endpoint);
        time.Advance(TimeSpan.FromSeconds(30));
        cluster.Housekeep();

        // Two-choice picks favour the half-open endpoint (one call in flight), pick_first always names it first.
        var probe = PickOn(cluster, endpoint);
        for (var i = 0; i < 50; i++)
        {
            var lease = cluster.TryPick(null);
            Assert.NotNull(lease);
            Assert.Equal(2, lease.Value.Endpoint.Key.Address.Port);
            lease.Value.Complete(GrpcStatus.Ok);
        }

        probe.Complete(GrpcStatus.Ok);
    }

    [Fact]
    public async Task With_no_half_open_probes_a_returning_endpoint_takes_full_load_at_once()
    {
        var time = new ManualTime();
        var options = TestClusters.Options(1);
        options.OutlierDetection.HalfOpenProbes = 0;
        await using var cluster = TestClusters.Create(options, time);
        var endpoint = TestClusters.EndpointOn(cluster, 1);
        FailFiveTimes(cluster, endpoint);
        time.Advance(TimeSpan.FromSeconds(30));
        cluster.Housekeep();

        Assert.False(endpoint.IsHalfOpen);
        var leases = new[] { cluster.TryPick(null)!.Value, cluster.TryPick(null)!.Value };
        Assert.All(leases, l => Assert.False(l.IsProbe));
        foreach (var lease in leases)
        {
            lease.Complete(GrpcStatus.Ok);
        }
    }

    [Fact]
    public async Task Failure_percentage_ejects_an_endpoint_whose_calls_mostly_fail_whatever_the_others_do()
    {
        var time = new ManualTime();
        var options = TestClusters.Options(5);
        options.OutlierDetection.ConsecutiveErrors = 1000;
        options.OutlierDetection.FailurePercentage = new FailurePercentageOptions { Enabled = true, Threshold = 80, MinimumHosts = 5, RequestVolume = 50 };
        await using var cluster = TestClusters.Create(options, time);
        for (var port = 1; port <= 5; port++)
        {
            var endpoint = TestClusters.EndpointOn(cluster, port);
            for (var i = 0; i < 50; i++)
            {
                // Port 1 fails 9 calls in 10 (a success now and then keeps its streak short); port 2 fails 7 in 10.
                var fails = port switch { 1 => i % 10 != 0, 2 => i % 10 < 7, _ => false };
                Complete(cluster, endpoint, fails ? TestClusters.Unavailable : GrpcStatus.Ok);
            }
        }

        time.Advance(TimeSpan.FromSeconds(30));
        cluster.Housekeep();

        Assert.Equal(4, cluster.UsableCount);
        Assert.True(TestClusters.EndpointOn(cluster, 1).IsEjected(time.GetUtcNow().UtcTicks));
        Assert.Contains("90 % of its calls failed", TestClusters.EndpointOn(cluster, 1).EjectionReason, StringComparison.Ordinal);
        Assert.False(TestClusters.EndpointOn(cluster, 2).IsEjected(time.GetUtcNow().UtcTicks));
    }

    private static EndpointLease PickOn(UpstreamCluster cluster, UpstreamEndpoint endpoint)
    {
        for (var i = 0; i < 100; i++)
        {
            var lease = cluster.TryPick(null)!.Value;
            if (lease.Endpoint == endpoint)
            {
                return lease;
            }

            lease.Complete(GrpcStatus.Ok);
        }

        throw new InvalidOperationException($"{endpoint} is never picked");
    }

    private static void AssertReturnsAfter(UpstreamCluster cluster, ManualTime time, TimeSpan ejection, int usableWhileEjected)
    {
        time.Advance(ejection - TimeSpan.FromSeconds(1));
        cluster.Housekeep();
        Assert.Equal(usableWhileEjected, cluster.UsableCount);
        time.Advance(TimeSpan.FromSeconds(1));
        cluster.Housekeep();
        Assert.Equal(usableWhileEjected + 1, cluster.UsableCount);
    }

    private static void FailFiveTimes(UpstreamCluster cluster, UpstreamEndpoint endpoint)
    {
        for (var i = 0; i < 5; i++)
        {
            Complete(cluster, endpoint, TestClusters.Unavailable);
        }
    }

    private static void Complete(UpstreamCluster cluster, UpstreamEndpoint endpoint, GrpcStatus status)
    {
        Assert.True(endpoint.TryAcquire());
        cluster.Complete(endpoint, status);
    }
}
