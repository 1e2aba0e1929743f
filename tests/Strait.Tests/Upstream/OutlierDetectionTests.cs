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
    public async Task Only_failures_of_the_endpoint_count(GrpcStatusCode code, StatusOrigin origin, bool ejects)
    {
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

    /// <summary>The ejected endpoint is still out a second before <paramref name="ejection"/> ends, and back at its end.</summary>
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
