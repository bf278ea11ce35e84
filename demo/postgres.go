package demo

import (
	"errors"
	"math"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// fakePostgres is just enough of a PostgreSQL server for hsi-top's PostgreSQL source:
// trust authentication and the simple query protocol, answering its statistics, size and
// table-count queries with numbers that move with the time since the demo started.
type fakePostgres struct {
	*tcpServer
	start time.Time
}

func startPostgres(start time.Time) (*fakePostgres, error) {
	p := &fakePostgres{start: start}
	srv, err := listenLoopback(p.handle)
	if err != nil {
		return nil, err
	}
	p.tcpServer = srv
	return p, nil
}

// dsn is a connection string for the fake.
func (p *fakePostgres) dsn() string {
	return "postgres://demo@" + p.addr() + "/security?sslmode=disable"
}

func (p *fakePostgres) handle(c net.Conn) {
	be := pgproto3.NewBackend(c, c)
	if err := startup(be, c); err != nil {
		return
	}
	for {
		msg, err := be.Receive()
		if err != nil {
			return
		}
		switch m := msg.(type) {
		case *pgproto3.Query:
			p.answer(be, m.String)
		case *pgproto3.Terminate:
			return
		default:
			be.Send(&pgproto3.ErrorResponse{Severity: "ERROR", Code: "0A000", Message: "the demo's PostgreSQL speaks the simple query protocol only"})
			be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
		}
		if be.Flush() != nil {
			return
		}
	}
}

// startup declines TLS, accepts any user and says the server is PostgreSQL 14.
func startup(be *pgproto3.Backend, c net.Conn) error {
	for range 3 {
		msg, err := be.ReceiveStartupMessage()
		if err != nil {
			return err
		}
		switch msg.(type) {
		case *pgproto3.SSLRequest, *pgproto3.GSSEncRequest:
			if _, err := c.Write([]byte{'N'}); err != nil {
				return err
			}
			continue
		case *pgproto3.StartupMessage:
			be.Send(&pgproto3.AuthenticationOk{})
			be.Send(&pgproto3.ParameterStatus{Name: "server_version", Value: "14.11"})
			be.Send(&pgproto3.ParameterStatus{Name: "client_encoding", Value: "UTF8"})
			be.Send(&pgproto3.ParameterStatus{Name: "standard_conforming_strings", Value: "on"})
			be.Send(&pgproto3.BackendKeyData{ProcessID: 4242, SecretKey: []byte{0, 0, 0, 1}})
			be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
			return be.Flush()
		default:
			return errors.New("unexpected startup message")
		}
	}
	return errors.New("no startup message")
}

// Type OIDs of the answers' columns.
const (
	oidBool        = 16
	oidInt8        = 20
	oidInt4        = 23
	oidFloat8      = 701
	oidTimestamptz = 1184
)

type column struct {
	name  string
	oid   uint32
	value string
}

// answer sends one query's rows: one row of the columns the query's text selects.
func (p *fakePostgres) answer(be *pgproto3.Backend, sql string) {
	t := time.Since(p.start).Seconds()
	i := func(v float64) string { return strconv.FormatInt(int64(v), 10) }
	var cols []column
	switch {
	case strings.Contains(sql, "pg_stat_database"):
		active := 3 + math.Mod(math.Floor(t/7), 4)
		cols = []column{
			{"active", oidInt8, i(active)}, {"total", oidInt8, i(active + 6)}, {"max", oidInt8, "100"},
			{"blks_hit", oidInt8, i(2e6 + 5000*t)}, {"blks_read", oidInt8, i(4e4 + 60*t)}, {"xacts", oidInt8, i(9e5 + 20*t)},
			{"longest", oidFloat8, strconv.FormatFloat(0.4+0.3*math.Sin(t/11), 'f', 3, 64)},
			{"stats_reset", oidTimestamptz, p.start.UTC().Add(-72 * time.Hour).Format("2006-01-02 15:04:05.000000-07")},
			{"cameras", oidBool, "t"}, {"events", oidBool, "t"}, {"detections", oidBool, "t"},
		}
	case strings.Contains(sql, "pg_database_size"):
		cols = []column{{"size", oidInt8, i(812<<20 + 4096*t)}}
	case strings.Contains(sql, "FROM cameras"):
		cols = []column{{"count", oidInt8, "4"}, {"online", oidInt8, "4"}}
	case strings.Contains(sql, "FROM events"):
		cols = []column{{"count", oidInt8, i(1234 + t/10)}, {"recent", oidInt8, "11"}}
	case strings.Contains(sql, "FROM detections"):
		cols = []column{{"count", oidInt8, i(45678 + t)}, {"recent", oidInt8, "300"}}
	default: // SELECT 1
		cols = []column{{"?column?", oidInt4, "1"}}
	}
	desc := &pgproto3.RowDescription{}
	row := &pgproto3.DataRow{}
	for _, c := range cols {
		desc.Fields = append(desc.Fields, pgproto3.FieldDescription{Name: []byte(c.name), DataTypeOID: c.oid, DataTypeSize: -1, TypeModifier: -1})
		row.Values = append(row.Values, []byte(c.value))
	}
	be.Send(desc)
	be.Send(row)
	be.Send(&pgproto3.CommandComplete{CommandTag: []byte("SELECT 1")})
	be.Send(&pgproto3.ReadyForQuery{TxStatus: 'I'})
}
